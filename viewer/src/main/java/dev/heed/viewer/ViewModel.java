package dev.heed.viewer;

import dev.heed.toolkit.render.Colormap;
import java.util.ArrayList;
import dev.heed.toolkit.backend.Percentiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The viewer's interaction logic, free of OpenGL: commands change an immutable {@link ViewState}; a state whose maps
 * are not computed yet queues them on one background thread; {@link #frame()} gives the render thread a snapshot.
 * A computation whose map is no longer wanted when its turn comes is skipped, and a result that arrives after the
 * user has moved on is kept in the cache but never drawn for the newer state: the last map stays on screen, marked
 * busy, until the wanted one is ready.
 */
public final class ViewModel implements AutoCloseable {
    /** What a key press or a menu asks for. */
    public enum Command {
        NEXT_IMAGE, PREVIOUS_IMAGE, NEXT_METHOD, PREVIOUS_METHOD, NEXT_SECOND_METHOD, NEXT_TARGET, NEXT_LAYER, NEXT_HEAD,
        NEXT_COLORMAP, MORE_ALPHA, LESS_ALPHA, MORE_THRESHOLD, LESS_THRESHOLD, NEXT_NORMALISATION, TOGGLE_SIDE_BY_SIDE,
        TOGGLE_DIFFERENCE, TOGGLE_GRID, TOGGLE_HELP, ZOOM_IN, ZOOM_OUT, RESET_VIEW
    }

    static final List<String> HELP = List.of(
            "←/→ image    m/M method    2 second method    t target (top-5)",
            "l layer    h head (attention models)    c colormap    n normalisation",
            "a/A alpha ±0.1    [ ] threshold ±0.05    s side by side    d difference",
            "g method grid    +/- or wheel zoom    drag pan    0 reset view",
            "p export PNG + provenance    ? help    q quit");
    private static final List<Colormap> COLORMAPS = List.of(Colormap.VIRIDIS, Colormap.INFERNO, Colormap.MAGMA, Colormap.PLASMA,
            Colormap.TURBO, Colormap.JET, Colormap.GRAY);

    private final MapSource source;
    private final ExecutorService worker;
    private final Map<ViewState.MapKey, MapSource.ComputedMap> cache = new ConcurrentHashMap<>();
    private final Set<ViewState.MapKey> queued = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Frame.Pane> lastShown = new ConcurrentHashMap<>();
    /** Filled by the worker thread only: sources are not thread-safe (SameDiff graphs, DL4J passes). */
    private final Map<Integer, List<MapSource.Prediction>> predictions = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final LongSupplier clock;
    private volatile ViewState state = ViewState.initial();
    private volatile Set<ViewState.MapKey> wanted = Set.of();
    private volatile String note = "";
    private volatile Pointer pointer;
    private volatile long requestedAt;
    private volatile long lastLatencyNanos = -1;
    private final List<Long> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ViewModel(MapSource source) {
        this(source, System::nanoTime);
    }

    ViewModel(MapSource source, LongSupplier clock) {
        this.source = source;
        this.clock = clock;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "heed-viewer-maps");
            t.setDaemon(true);
            return t;
        });
        if (!source.skipped().isEmpty()) {
            note = "skipped " + source.skipped().size() + " unreadable image(s): " + source.skipped().get(0);
        }
        requestMaps();
    }

    public int methodCount() {
        return source.methods().size();
    }

    public String methodName(int method) {
        return source.methods().get(method);
    }

    public ViewState state() {
        return state;
    }

    /** Results computed but never drawn because the user had moved on. */
    public long droppedResults() {
        return dropped.get();
    }

    /** Request-to-ready times of the maps drawn so far, nanoseconds. */
    public List<Long> latencies() {
        return List.copyOf(latencies);
    }

    public void apply(Command command) {
        ViewState s = state;
        int images = source.images().size();
        int methods = source.methods().size();
        ViewState next = switch (command) {
            case NEXT_IMAGE -> s.withImage((s.image() + 1) % images);
            case PREVIOUS_IMAGE -> s.withImage((s.image() + images - 1) % images);
            case NEXT_METHOD -> s.withMethod((s.method() + 1) % methods);
            case PREVIOUS_METHOD -> s.withMethod((s.method() + methods - 1) % methods);
            case NEXT_SECOND_METHOD -> s.withSecondMethod((s.secondMethod() + 1) % methods);
            case NEXT_TARGET -> s.withTarget((s.target() + 1) % Math.max(1, predictionsOf(s.image()).size()));
            case NEXT_LAYER -> source.layers() == 0 ? s : s.withLayer(s.layer() + 1 >= source.layers() ? -1 : s.layer() + 1);
            case NEXT_HEAD -> source.heads() == 0 ? s : s.withHead(s.head() + 1 >= source.heads() ? -1 : s.head() + 1);
            case NEXT_COLORMAP -> s.withColormap(COLORMAPS.get((COLORMAPS.indexOf(s.colormap()) + 1) % COLORMAPS.size()));
            case MORE_ALPHA -> s.withAlpha(s.alpha() + 0.1f);
            case LESS_ALPHA -> s.withAlpha(s.alpha() - 0.1f);
            case MORE_THRESHOLD -> s.withThreshold(s.threshold() + 0.05f);
            case LESS_THRESHOLD -> s.withThreshold(s.threshold() - 0.05f);
            case NEXT_NORMALISATION -> s.withNormalisation(ViewState.Normalisation.values()[(s.normalisation().ordinal() + 1) % 3]);
            case TOGGLE_SIDE_BY_SIDE -> s.withCompare(s.compare() == ViewState.Compare.SIDE_BY_SIDE ? ViewState.Compare.NONE : ViewState.Compare.SIDE_BY_SIDE).withGrid(false);
            case TOGGLE_DIFFERENCE -> s.withCompare(s.compare() == ViewState.Compare.DIFFERENCE ? ViewState.Compare.NONE : ViewState.Compare.DIFFERENCE).withGrid(false);
            case TOGGLE_GRID -> s.withGrid(!s.grid()).withCompare(ViewState.Compare.NONE);
            case TOGGLE_HELP -> s.withHelp(!s.help());
            case ZOOM_IN -> s.withView(s.zoom() * 1.25f, s.panX(), s.panY());
            case ZOOM_OUT -> s.withView(s.zoom() / 1.25f, s.panX(), s.panY());
            case RESET_VIEW -> s.withView(1f, 0f, 0f);
        };
        setState(next);
    }

    /** Pans by a fraction of the pane (drag). */
    public void pan(float dx, float dy) {
        ViewState s = state;
        setState(s.withView(s.zoom(), s.panX() - dx / s.zoom(), s.panY() - dy / s.zoom()));
    }

    /** Where the mouse is, in a window of {@code width x height}; each frame reads the value under it afresh. */
    public void pointAt(int x, int y, int width, int height) {
        pointer = new Pointer(x, y, width, height);
    }

    /** The mouse left the window: no value under it. */
    public void pointerLeft() {
        pointer = null;
    }

    private record Pointer(int x, int y, int width, int height) { }

    public void zoomBy(float factor) {
        ViewState s = state;
        setState(s.withView(s.zoom() * factor, s.panX(), s.panY()));
    }

    private void setState(ViewState next) {
        state = next;
        requestMaps();
    }

    /** The keys the current state shows. */
    static List<ViewState.MapKey> keysOf(ViewState s, int methods) {
        if (s.grid()) {
            List<ViewState.MapKey> keys = new ArrayList<>();
            for (int m = 0; m < methods; m++) {
                keys.add(new ViewState.MapKey(s.image(), m, s.target(), s.layer(), s.head()));
            }
            return keys;
        }
        return s.compare() == ViewState.Compare.NONE ? List.of(s.mapKey()) : List.of(s.mapKey(), s.secondKey());
    }

    private void requestMaps() {
        List<ViewState.MapKey> keys = keysOf(state, source.methods().size());
        wanted = Set.copyOf(keys);
        if (!cache.keySet().containsAll(keys)) {
            requestedAt = clock.getAsLong();
        }
        for (ViewState.MapKey key : keys) {
            if (!cache.containsKey(key) && queued.add(key)) {
                worker.submit(() -> computeIfWanted(key));
            }
        }
    }

    private void computeIfWanted(ViewState.MapKey key) {
        try {
            if (!wanted.contains(key)) {
                return; // the user moved on before its turn came
            }
            predictions.computeIfAbsent(key.image(), source::predictions);
            MapSource.ComputedMap map = source.compute(key);
            cache.put(key, map);
            if (!wanted.contains(key)) {
                dropped.incrementAndGet();
            } else if (cache.keySet().containsAll(wanted)) {
                lastLatencyNanos = clock.getAsLong() - requestedAt;
                latencies.add(lastLatencyNanos);
            }
        } catch (Exception | OutOfMemoryError e) {
            note = source.methods().get(key.method()) + " failed on " + source.images().get(key.image()).name() + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.toString());
        } finally {
            queued.remove(key);
        }
    }

    /** Waits until every wanted map is computed (tests and --fps-report), at most {@code millis}. */
    public boolean awaitMaps(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (cache.keySet().containsAll(wanted) && queued.isEmpty()) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** The snapshot the renderer draws. */
    public Frame frame() {
        ViewState s = state;
        List<ViewState.MapKey> keys = keysOf(s, source.methods().size());
        List<Frame.Pane> panes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        boolean busy = false;
        if (s.compare() == ViewState.Compare.DIFFERENCE) {
            MapSource.ComputedMap a = cache.get(keys.get(0));
            MapSource.ComputedMap b = cache.get(keys.get(1));
            if (a != null && b != null) {
                panes.add(remember(0, difference(a, b)));
            } else {
                busy = true;
                panes.add(stale(0));
            }
            names.add("difference");
        } else {
            for (int i = 0; i < keys.size(); i++) {
                MapSource.ComputedMap m = cache.get(keys.get(i));
                if (m != null) {
                    panes.add(remember(i, pane(m, s)));
                } else {
                    busy = true;
                    panes.add(stale(i));
                }
                names.add(source.methods().get(keys.get(i).method()));
            }
        }
        MapSource.DisplayImage image = source.images().get(s.image());
        return new Frame(s, image, panes, busy, status(s, panes, names), s.help() ? HELP : List.of(),
                hoverText(panes, image, s, pointer));
    }

    /**
     * The raw value under the mouse, read from the maps this frame shows: after a method or image change it names
     * the new map's value, and while a pane still shows a stand-in it says so instead of an outdated number.
     */
    static String hoverText(List<Frame.Pane> panes, MapSource.DisplayImage image, ViewState s, Pointer at) {
        if (at == null) {
            return "";
        }
        List<Layout.Rect> rects = Layout.panes(panes.size(), image.width(), image.height(), at.width(), at.height(), s.help());
        for (int i = 0; i < rects.size(); i++) {
            Frame.Pane pane = panes.get(i);
            int[] p = pane == null ? null : Layout.mapPixel(rects.get(i), at.x(), at.y(), pane.width(), pane.height(), s);
            if (p == null) {
                continue;
            }
            if (pane.stale()) {
                return String.format(Locale.ROOT, "pixel (%d, %d): updating…", p[0], p[1]);
            }
            return String.format(Locale.ROOT, "pixel (%d, %d) of %s: %.4g", p[0], p[1], pane.title(),
                    pane.values()[p[1] * pane.width() + p[0]]);
        }
        return "";
    }

    private List<MapSource.Prediction> predictionsOf(int image) {
        return predictions.getOrDefault(image, List.of());
    }

    private Frame.Pane remember(int slot, Frame.Pane pane) {
        lastShown.put(slot, pane);
        return pane;
    }

    private Frame.Pane stale(int slot) {
        Frame.Pane last = lastShown.get(slot);
        return last == null ? null : new Frame.Pane(last.title(), last.values(), last.width(), last.height(), last.lo(), last.hi(),
                last.colormap(), last.scale(), true);
    }

    /**
     * A map as drawn: a signed map (positive and negative evidence) always goes through the diverging BWR colormap
     * symmetric about 0, whatever the chosen colormap and normalisation, so that white means 0; the pane says so.
     */
    static Frame.Pane pane(MapSource.ComputedMap m, ViewState s) {
        ViewState.Normalisation mode = m.signed() ? ViewState.Normalisation.SIGNED : s.normalisation();
        float[] range = range(m.values(), mode);
        Colormap cmap = mode == ViewState.Normalisation.SIGNED ? Colormap.BWR : s.colormap();
        String scale = scaleName(mode) + (m.signed() ? " (signed map)" : "");
        return new Frame.Pane(m.description(), m.values(), m.width(), m.height(), range[0], range[1], cmap, scale, false);
    }

    static String scaleName(ViewState.Normalisation mode) {
        return switch (mode) {
            case MINMAX -> "min-max";
            case PERCENTILE -> "1st–99th percentile";
            case SIGNED -> "symmetric about 0";
        };
    }

    private Frame.Pane difference(MapSource.ComputedMap a, MapSource.ComputedMap b) {
        float[] ra = range(a.values(), ViewState.Normalisation.MINMAX);
        float[] rb = range(b.values(), ViewState.Normalisation.MINMAX);
        float[] diff = new float[a.values().length];
        for (int i = 0; i < diff.length; i++) {
            diff[i] = unit(a.values()[i], ra) - unit(b.values()[i], rb);
        }
        return new Frame.Pane(source.methods().get(a.key().method()) + " − " + source.methods().get(b.key().method())
                + " (each min-max normalised)", diff, a.width(), a.height(), -1f, 1f, Colormap.BWR, "fixed −1 to 1", false);
    }

    private static float unit(float v, float[] r) {
        return r[1] > r[0] ? (v - r[0]) / (r[1] - r[0]) : 0f;
    }

    /** The value range a normalisation maps to [0, 1]: min-max, the 1st to 99th percentile, or symmetric about 0. */
    static float[] range(float[] values, ViewState.Normalisation mode) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return switch (mode) {
            case MINMAX -> new float[] {lo, hi};
            case SIGNED -> {
                float m = Math.max(Math.abs(lo), Math.abs(hi));
                yield new float[] {-m, m};
            }
            case PERCENTILE -> {
                double[] bounds = Percentiles.bySorting(values, 0, values.length, 1, 99);
                yield new float[] {(float) bounds[0], (float) bounds[1]};
            }
        };
    }

    private String status(ViewState s, List<Frame.Pane> panes, List<String> names) {
        MapSource.DisplayImage image = source.images().get(s.image());
        List<MapSource.Prediction> top = predictionsOf(s.image());
        String target = top.isEmpty() ? "target …" : String.format(Locale.ROOT, "target %s %.2f (top-%d)",
                top.get(Math.min(s.target(), top.size() - 1)).name(), top.get(Math.min(s.target(), top.size() - 1)).probability(), s.target() + 1);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s (%d/%d) · %s · alpha %.1f · threshold %.2f",
                image.name(), s.image() + 1, source.images().size(), target, s.alpha(), s.threshold()));
        if (source.layers() > 0) {
            out.append(s.layer() < 0 ? " · last layer" : " · layer " + s.layer()).append(s.head() < 0 ? ", heads averaged" : ", head " + s.head());
        }
        if (lastLatencyNanos >= 0) {
            out.append(String.format(Locale.ROOT, " · last map %.0f ms", lastLatencyNanos / 1e6));
        }
        if (!s.help()) {
            out.append(" · ? keys");
        }
        out.append("\n").append(colourLine(panes, names));
        if (!note.isEmpty()) {
            out.append("\n").append(note);
        }
        return out.toString();
    }

    /**
     * What the colours mean, from the panes as drawn: one colormap and normalisation when all panes share it, else
     * each group of panes with its own. Ranges are always per pane (each pane's bar gives its own, in raw units).
     */
    static String colourLine(List<Frame.Pane> panes, List<String> names) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (int i = 0; i < panes.size(); i++) {
            Frame.Pane p = panes.get(i);
            if (p != null) {
                groups.computeIfAbsent(p.colormap().id() + ", " + p.scale(), k -> new ArrayList<>()).add(names.get(i));
            }
        }
        if (groups.isEmpty()) {
            return "colour: …";
        }
        // the per-pane range comes first: a long list of method names may be cut off at the window's edge
        StringBuilder out = new StringBuilder(panes.size() > 1 ? "colour (each pane its own range, on its bar): " : "colour: ");
        if (groups.size() == 1) {
            out.append(groups.keySet().iterator().next());
        } else {
            out.append(String.join(" · ", groups.entrySet().stream()
                    .map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")").toList()));
        }
        return out.toString();
    }

    /** Every shown map's provenance, for an exported view. */
    public Map<String, Object> provenance() {
        ViewState s = state;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", source.describe());
        out.put("image", source.images().get(s.image()).name());
        List<Object> maps = new ArrayList<>();
        for (ViewState.MapKey key : keysOf(s, source.methods().size())) {
            MapSource.ComputedMap m = cache.get(key);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("method", source.methods().get(key.method()));
            entry.put("description", m == null ? "(not computed)" : m.description());
            if (m != null && s.compare() != ViewState.Compare.DIFFERENCE) {
                Frame.Pane drawn = pane(m, s); // the colormap and range this map was really drawn with
                entry.put("colormap", drawn.colormap().id());
                entry.put("normalisation", drawn.scale());
                entry.put("range", List.of(drawn.lo(), drawn.hi()));
            }
            maps.add(entry);
        }
        out.put("maps", maps);
        List<MapSource.Prediction> top = predictionsOf(s.image());
        out.put("target", top.isEmpty() ? null : top.get(Math.min(s.target(), top.size() - 1)).name());
        out.put("colormap", s.colormap().id());
        out.put("alpha", s.alpha());
        out.put("threshold", s.threshold());
        out.put("normalisation", s.normalisation().name().toLowerCase(Locale.ROOT));
        out.put("compare", s.compare().name().toLowerCase(Locale.ROOT));
        out.put("grid", s.grid());
        out.put("zoom", s.zoom());
        return out;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        source.close();
    }
}
