package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.engine.source.ModelSources;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.render.ColorBar;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Montage;
import dev.heed.toolkit.render.Normalization;
import dev.heed.toolkit.render.Range;
import dev.heed.toolkit.trust.Faithfulness;
import dev.heed.toolkit.trust.MapChecks;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The batch job behind {@code heed overlay}: load, explain, render, write. Every failure that concerns one input is
 * one line naming the file; the batch carries on and the summary lists it. Failures that concern the whole job (model,
 * output folder, backend, method settings) stop it before any work with one line.
 */
final class OverlayJob {
    static final int EXIT_OK = 0;
    static final int EXIT_SOME_FAILED = 1;
    static final int EXIT_JOB_FAILED = 2;
    /** Deletion/insertion steps of the per-map trust block: 16 is enough for a stable AUC at a 17-image batch per map. */
    private static final int TRUST_STEPS = 16;

    /** Everything the job needs, parsed and checked by the command. */
    record Options(Path model, ModelOptions modelOptions, MethodCatalogue method, MethodCatalogue.Settings settings,
                   Target target, List<Path> inputs, Path output, Colormap colormap, double alpha,
                   Normalization normalization, int batchSize, int threads, String backend, long seed, boolean force,
                   ModelInput.Resize resize, int minDisplaySide, boolean terminal, boolean trust,
                   List<MapChecks.Requirement> requirements, String precision) {
    }

    /** One input that got through loading. */
    private record Loaded(InputImage image, String stem, ModelInput.Region region, float[] input) {
    }

    /** An exception that ends the whole job, carrying its one-line message. */
    static final class JobFailure extends Exception {
        JobFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Options o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<Map<String, Object>> failures = new ArrayList<>();
    private final Map<String, Path> stems = new HashMap<>();
    private Map<String, Object> settings;
    private int done;
    /** Where the model pass ran, for provenance: {@code heed-cuda}, {@code heed-cuda-tf32} or {@code dl4j-cpu}. */
    private String engine;
    /** The model being explained, set once it is open. */
    private ModelSource source;
    private int skipped;
    private int mapsWritten;
    private double explainSeconds;
    private double renderSeconds;

    OverlayJob(Options options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        try {
            return runOrFail();
        } catch (JobFailure e) {
            err.println("heed overlay: " + e.getMessage());
            err.flush();
            return EXIT_JOB_FAILED;
        }
    }

    private int runOrFail() throws JobFailure {
        long start = System.nanoTime();
        // Inputs first: a misspelt path is a bad option, found before any folder is made or model loaded.
        List<Path> files = expandInputs();
        prepareOutputFolder();
        try (ModelSource source = openModel(); Backend backend = openBackend(); ModelPassEngine modelPass = chooseModelPass(source, backend)) {
            ModelAdapter model = modelPass.model();
            if (o.target() instanceof Target.ClassIndex c && c.index() >= model.numClasses()) {
                throw new JobFailure(o.model() + ": unknown class " + c.index() + "; the model has " + model.numClasses()
                        + " classes (0.." + (model.numClasses() - 1) + ")", null);
            }
            SaliencyMethod method = createMethod(model, backend);
            engine = modelPass.engine();
            this.source = source;
            settings = settingsOf(method);
            List<Path> todo = new ArrayList<>();
            int stale = 0;
            for (Path f : files) {
                Path index = indexFile(stemOf(f));
                if (o.force() || !Files.exists(index)) {
                    todo.add(f);
                } else if (settings.equals(readSettings(index))) {
                    skipped++;
                } else {
                    stale++;
                    todo.add(f);
                }
            }
            if (skipped > 0) {
                err.println("heed overlay: skipping " + skipped + " image(s) with finished outputs (use --force to redo them)");
            }
            if (stale > 0) {
                err.println("heed overlay: redoing " + stale + " image(s) whose outputs were made with other settings");
            }
            Progress progress = new Progress(err, o.terminal(), todo.size());
            for (int from = 0, batch = 1; from < todo.size(); from += o.batchSize(), batch++) {
                List<Path> chunk = todo.subList(from, Math.min(todo.size(), from + o.batchSize()));
                processBatch(chunk, batch, model, method, backend);
                progress.advance(chunk.size());
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        writeSummary(files.size(), total);
        out.printf(Locale.ROOT, "%s: %d image(s) done, %d skipped, %d failed; %d map(s) in %s (%.1f s)%n", o.method().id(),
                done, skipped, failures.size(), mapsWritten, o.output(), total);
        for (Map<String, Object> f : failures) {
            out.println("  failed: " + f.get("error"));
        }
        out.flush();
        return failures.isEmpty() ? EXIT_OK : EXIT_SOME_FAILED;
    }

    private void prepareOutputFolder() throws JobFailure {
        // Checked before anything is written, so that not even a probe file lands among the inputs.
        for (Path in : o.inputs()) {
            try {
                if (Files.isDirectory(in) && Files.exists(o.output()) && Files.isSameFile(in, o.output())) {
                    throw new JobFailure(o.output() + ": the output folder must not be an input folder (inputs are never touched)", null);
                }
            } catch (IOException e) {
                // an input that cannot be resolved is reported when the inputs are expanded
            }
        }
        try {
            Files.createDirectories(o.output());
            Path probe = Files.createTempFile(o.output(), ".heed-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new JobFailure(o.output() + ": output folder is not writable (" + e.getMessage() + ")", e);
        }
    }

    private List<Path> expandInputs() throws JobFailure {
        // a misspelt --input is a bad option (exit 2), not a failed image
        for (Path in : o.inputs()) {
            if (!Files.exists(in)) {
                throw new JobFailure(in + ": no such file or folder (--input)", null);
            }
        }
        List<Path> files = imageFiles(o.inputs(), note -> err.println("heed overlay: warning: " + note), this::fail);
        if (files.isEmpty() && failures.isEmpty()) {
            throw new JobFailure(o.inputs().stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "))
                    + ": no images (.png, .jpg, .jpeg, .bmp, .gif) found (--input)", null);
        }
        List<Path> unique = new ArrayList<>();
        for (Path f : files) {
            Path earlier = stems.putIfAbsent(stemOf(f), f);
            if (earlier != null && !earlier.equals(f)) {
                fail(f, f + ": its outputs would have the same name as those of " + earlier + "; rename one of them");
            } else if (earlier == null) {
                unique.add(f);
            }
        }
        return unique;
    }

    /**
     * The files that {@code inputs} name, in order: a folder gives its image files (not hidden ones, sorted, not
     * recursive) and a note on {@code notes} of how many other files it skipped; a file is taken as it is. A path that
     * is neither, or a folder that cannot be listed, goes to {@code unusable} with a one-line message naming it.
     * Shared by {@code heed overlay} and {@code heed trust}, so that both read {@code --input} alike.
     */
    static List<Path> imageFiles(List<Path> inputs, java.util.function.Consumer<String> notes,
                                 java.util.function.BiConsumer<Path, String> unusable) {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> list = Files.list(in)) {
                    List<Path> entries = list.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted()
                            .toList();
                    List<Path> images = entries.stream().filter(OverlayJob::hasImageExtension).toList();
                    if (images.size() < entries.size()) {
                        notes.accept(in + ": ignoring " + (entries.size() - images.size()) + " file(s) without an image extension");
                    }
                    files.addAll(images);
                } catch (IOException e) {
                    unusable.accept(in, in + ": cannot list folder (" + e.getMessage() + ")");
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                unusable.accept(in, in + ": no such file or folder");
            }
        }
        return files;
    }

    /** Folders contribute image files only; a file named on the command line is always tried. */
    static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".bmp") || name.endsWith(".gif");
    }

    private ModelSource openModel() throws JobFailure {
        try {
            return ModelSources.open(o.model(), o.modelOptions());
        } catch (IOException e) {
            throw new JobFailure(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new JobFailure(o.model() + ": " + e.getMessage(), e);
        }
    }

    private Backend openBackend() throws JobFailure {
        try {
            return Backends.open(o.backend(), o.threads(), line -> err.println(line));
        } catch (RuntimeException e) {
            throw new JobFailure(e.getMessage(), e);
        }
    }

    /**
     * The model pass follows the map backend: on the CUDA backend it runs on Heed's engine, with one line naming the
     * layer when the engine cannot run the model (an error for {@code --backend cuda}, a fallback for {@code auto}).
     */
    private ModelPassEngine chooseModelPass(ModelSource source, Backend backend) throws JobFailure {
        try {
            return ModelPassEngine.open(source, o.backend(), backend.id(), o.precision(), line -> err.println("heed overlay: " + line));
        } catch (RuntimeException e) {
            throw new JobFailure(o.model() + ": " + e.getMessage(), e);
        }
    }

    private SaliencyMethod createMethod(ModelAdapter model, Backend backend) throws JobFailure {
        try {
            return o.method().create(model, backend, o.settings());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(o.method().id() + ": " + e.getMessage(), e);
        }
    }

    /**
     * What a finished image's outputs depend on; a rerun with other settings redoes the image instead of skipping it.
     * All values are strings so that the copy read back from JSON compares equal.
     */
    private Map<String, Object> settingsOf(SaliencyMethod method) {
        return OrderedMap.of("model", source.fingerprint(), "method", method.id(), "parameters", String.valueOf(OrderedMap.sorted(method.parameters())),
                "layer", method.layer(), "target", o.target().describe(), "resize", o.resize().id(),
                "normalization", o.normalization() == null ? "auto" : o.normalization().describe(),
                "colormap", o.colormap() == null ? "auto" : o.colormap().id(), "alpha", String.valueOf(o.alpha()),
                "seed", String.valueOf(o.seed()), "minDisplaySide", String.valueOf(o.minDisplaySide()),
                "trust", String.valueOf(o.trust() || !o.requirements().isEmpty()), "required", String.valueOf(o.requirements()));
    }

    private static Object readSettings(Path index) {
        try {
            return Json.read(index).get("settings");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String stemOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private Path indexFile(String stem) {
        return o.output().resolve(stem + "." + o.method().id() + ".json");
    }

    private void fail(Path file, String message) {
        err.println(message);
        err.flush();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("file", file.toString());
        f.put("error", message);
        failures.add(f);
    }

    private void processBatch(List<Path> chunk, int batchNumber, ModelAdapter model, SaliencyMethod method, Backend backend) {
        ModelCard card = source.card();
        List<Loaded> loaded = new ArrayList<>();
        for (Path f : chunk) {
            try {
                InputImage image = InputImage.read(f);
                ModelInput.Region region = ModelInput.region(image.width(), image.height(), card, o.resize());
                loaded.add(new Loaded(image, stemOf(f), region, ModelInput.prepare(image, card, o.resize())));
            } catch (IOException e) {
                fail(f, e.getMessage());
            } catch (RuntimeException e) {
                fail(f, f + ": cannot prepare the image for the model (" + e + ")");
            }
        }
        if (loaded.isEmpty()) {
            return;
        }
        List<Heatmap> maps;
        long t0 = System.nanoTime();
        try {
            maps = method.explain(requestFor(loaded, card));
        } catch (RuntimeException batchError) {
            // Find the culprit: explain one by one; seeds are per image, so the maps are the same either way.
            maps = new ArrayList<>();
            List<Loaded> survivors = new ArrayList<>();
            for (Loaded l : loaded) {
                try {
                    for (Heatmap h : method.explain(requestFor(List.of(l), card))) {
                        maps.add(new Heatmap(survivors.size(), h.classIndex(), h.score(), h.height(), h.width(), h.values(), h.signed(), h.diagnostics()));
                    }
                    survivors.add(l);
                } catch (RuntimeException e) {
                    fail(l.image().file(), l.image().file() + ": " + o.method().id() + " failed (" + e.getMessage() + ")");
                }
            }
            loaded = survivors;
        }
        explainSeconds += (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        render(loaded, maps, batchNumber, model, method, backend);
        renderSeconds += (System.nanoTime() - t1) / 1e9;
    }

    private ExplainRequest requestFor(List<Loaded> loaded, ModelCard card) {
        int size = card.channels() * card.height() * card.width();
        float[] batch = new float[loaded.size() * size];
        long[] seeds = new long[loaded.size()];
        for (int i = 0; i < loaded.size(); i++) {
            System.arraycopy(loaded.get(i).input(), 0, batch, i * size, size);
            seeds[i] = imageSeed(loaded.get(i).stem());
        }
        return new ExplainRequest(Nd4j.create(batch, new long[] {loaded.size(), card.channels(), card.height(), card.width()}, 'c'),
                o.target(), seeds);
    }

    /** Depends on the base seed and the file's name only, so batch size and order do not change any map. */
    long imageSeed(String stem) {
        long h = o.seed() * 0x9E3779B97F4A7C15L;
        for (char ch : stem.toCharArray()) {
            h = (h ^ ch) * 0x100000001B3L;
        }
        return h;
    }

    private Normalization normalization(boolean signed) {
        return o.normalization() != null ? o.normalization() : signed ? new Normalization.Signed() : new Normalization.MinMax();
    }

    private Colormap colormap(Normalization normalization) {
        return o.colormap() != null ? o.colormap() : normalization.signedScale() ? Colormap.BWR : Colormap.VIRIDIS;
    }

    private void render(List<Loaded> loaded, List<Heatmap> maps, int batchNumber, ModelAdapter model, SaliencyMethod method, Backend backend) {
        if (maps.isEmpty()) {
            return;
        }
        ModelCard card = source.card();
        java.util.Set<Integer> failedImages = new java.util.HashSet<>();
        List<Heatmap> finite = new ArrayList<>();
        for (Heatmap map : maps) {
            if (isFinite(map.values())) {
                finite.add(map);
            } else if (failedImages.add(map.imageIndex())) {
                Path file = loaded.get(map.imageIndex()).image().file();
                fail(file, file + ": " + o.method().id() + " produced NaN or infinite values for class " + map.classIndex());
            }
        }
        maps = finite.stream().filter(m -> !failedImages.contains(m.imageIndex())).toList();
        if (maps.isEmpty()) {
            return;
        }
        int pixels = card.height() * card.width();
        float[] all = new float[maps.size() * pixels];
        for (int k = 0; k < maps.size(); k++) {
            System.arraycopy(maps.get(k).values(), 0, all, k * pixels, pixels);
        }
        boolean signed = maps.get(0).signed();
        Normalization normalization = normalization(signed);
        Colormap cmap = colormap(normalization);
        Range[] ranges = normalization.ranges(all, maps.size(), pixels, backend);
        List<Display> displays = new ArrayList<>();
        for (Heatmap map : maps) {
            displays.add(display(loaded.get(map.imageIndex())));
        }
        int[][] blended;
        try {
            blended = overlays(maps, displays, ranges, cmap, backend);
        } catch (RuntimeException e) {
            for (Heatmap map : maps) {
                if (failedImages.add(map.imageIndex())) {
                    Path file = loaded.get(map.imageIndex()).image().file();
                    fail(file, file + ": cannot draw the overlays of batch " + batchNumber + " (" + e.getMessage() + ")");
                }
            }
            return;
        }
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        Map<Integer, List<Map<String, Object>>> perImage = new LinkedHashMap<>();
        for (int k = 0; k < maps.size(); k++) {
            Heatmap map = maps.get(k);
            Loaded l = loaded.get(map.imageIndex());
            try {
                Map<String, Double> trust = null;
                if (o.trust() || !o.requirements().isEmpty()) {
                    trust = MapChecks.measure(new Faithfulness(model), l.input(), map, TRUST_STEPS, 0.0);
                    List<String> violations = MapChecks.violations(trust, o.requirements());
                    if (!violations.isEmpty()) {
                        failedImages.add(map.imageIndex());
                        fail(l.image().file(), l.image().file() + ": class " + map.classIndex() + " not exported, it fails --require: "
                                + String.join(", ", violations));
                        continue;
                    }
                }
                BufferedImage overlay = writeMap(l, map, ranges[k], normalization, cmap, displays.get(k), blended[k], model, method,
                        backend, trust);
                tiles.add(overlay);
                labels.add(String.format(Locale.ROOT, "%s: %s (%.2f)", l.stem(), card.className(map.classIndex()), map.score()));
                perImage.computeIfAbsent(map.imageIndex(), i -> new ArrayList<>()).add(OrderedMap.of(
                        "class", map.classIndex(), "className", card.className(map.classIndex()),
                        "sidecar", baseName(l, map, card) + ".json"));
                mapsWritten++;
            } catch (IOException | RuntimeException e) {
                if (failedImages.add(map.imageIndex())) {
                    fail(l.image().file(), l.image().file() + ": cannot write outputs (" + e.getMessage() + ")");
                }
            }
        }
        for (Map.Entry<Integer, List<Map<String, Object>>> e : perImage.entrySet()) {
            if (failedImages.contains(e.getKey())) {
                continue; // no index: a rerun redoes the image
            }
            Loaded l = loaded.get(e.getKey());
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("input", l.image().file().toString());
            index.put("method", o.method().id());
            index.put("target", o.target().describe());
            index.put("maps", e.getValue());
            index.put("settings", settings);
            try {
                Json.write(indexFile(l.stem()), index);
                done++;
            } catch (IOException ex) {
                fail(l.image().file(), l.image().file() + ": cannot write " + indexFile(l.stem()) + " (" + ex.getMessage() + ")");
            }
        }
        try {
            int columns = (int) Math.ceil(Math.sqrt(tiles.size()));
            Images.writePngAtomically(Montage.grid(tiles, labels, columns),
                    o.output().resolve(String.format("montage.%s.%04d.png", o.method().id(), batchNumber)));
        } catch (IOException | RuntimeException e) {
            err.println(o.output() + ": cannot write the montage of batch " + batchNumber + " (" + e.getMessage() + ")");
        }
    }

    private static boolean isFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private String baseName(Loaded l, Heatmap map, ModelCard card) {
        String name = card.className(map.classIndex()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return l.stem() + "." + o.method().id() + ".c" + map.classIndex() + "-" + name;
    }

    /** An image as drawn under its map: the model's region of it, scaled up by a whole factor to at least the display side. */
    private record Display(int width, int height, int scale, int[] rgb) {
    }

    private Display display(Loaded l) {
        ModelInput.Region region = l.region();
        int scale = Math.max(1, (int) Math.ceil((double) o.minDisplaySide() / Math.min(region.width(), region.height())));
        int dw = region.width() * scale;
        int dh = region.height() * scale;
        int[] regionRgb = ModelInput.crop(l.image().rgb(), l.image().width(), region);
        int[] rgb = new int[dw * dh];
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                rgb[y * dw + x] = regionRgb[(y / scale) * region.width() + x / scale];
            }
        }
        return new Display(dw, dh, scale, rgb);
    }

    /**
     * Every map's overlay in as few {@link Backend#overlay} calls as there are distinct display and map sizes (one, for
     * a model's batch), so the CUDA backend streams the batch through the GPU instead of one map per call.
     */
    private int[][] overlays(List<Heatmap> maps, List<Display> displays, Range[] ranges, Colormap cmap, Backend backend) {
        int[][] out = new int[maps.size()][];
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        for (int k = 0; k < maps.size(); k++) {
            Display d = displays.get(k);
            groups.computeIfAbsent(List.of(d.width(), d.height(), maps.get(k).width(), maps.get(k).height()), key -> new ArrayList<>()).add(k);
        }
        for (Map.Entry<List<Integer>, List<Integer>> g : groups.entrySet()) {
            int dw = g.getKey().get(0);
            int dh = g.getKey().get(1);
            int mw = g.getKey().get(2);
            int mh = g.getKey().get(3);
            List<Integer> members = g.getValue();
            int n = members.size();
            float[] values = new float[n * mw * mh];
            int[] images = new int[n * dw * dh];
            float[] lo = new float[n];
            float[] hi = new float[n];
            for (int i = 0; i < n; i++) {
                int k = members.get(i);
                System.arraycopy(maps.get(k).values(), 0, values, i * mw * mh, mw * mh);
                System.arraycopy(displays.get(k).rgb(), 0, images, i * dw * dh, dw * dh);
                lo[i] = (float) ranges[k].lo();
                hi[i] = (float) ranges[k].hi();
            }
            int[] blended = backend.overlay(values, n, mh, mw, images, dh, dw, lo, hi, cmap.packedLut(), (float) o.alpha());
            for (int i = 0; i < n; i++) {
                out[members.get(i)] = java.util.Arrays.copyOfRange(blended, i * dw * dh, (i + 1) * dw * dh);
            }
        }
        return out;
    }

    /** Writes the overlay PNG (with a colour bar), the raw .npy map and the provenance sidecar; returns the overlay tile. */
    private BufferedImage writeMap(Loaded l, Heatmap map, Range range, Normalization normalization, Colormap cmap, Display display,
                                   int[] blended, ModelAdapter model, SaliencyMethod method, Backend backend, Map<String, Double> trust)
            throws IOException {
        int dw = display.width();
        int dh = display.height();
        int scale = display.scale();
        BufferedImage overlay = Images.toImage(blended, dw, dh);
        String base = baseName(l, map, source.card());
        Images.writePngAtomically(Images.withColorBar(overlay, ColorBar.vertical(cmap, range, dh)), o.output().resolve(base + ".png"));
        AtomicFiles.write(o.output().resolve(base + ".npy"), Npy.encode(map.values(), map.height(), map.width()));
        Map<String, Object> sidecar = provenance(l, map, range, normalization, cmap, model, method, backend, base, scale);
        if (trust != null) {
            sidecar.put("trust", OrderedMap.of("checks", trust, "deletionInsertionSteps", TRUST_STEPS, "baseline", 0.0,
                    "required", o.requirements().stream().map(r -> r.key().id() + "=" + r.threshold()).toList()));
        }
        Json.write(o.output().resolve(base + ".json"), sidecar);
        return overlay;
    }

    private Map<String, Object> provenance(Loaded l, Heatmap map, Range range, Normalization normalization, Colormap cmap,
                                           ModelAdapter model, SaliencyMethod method, Backend backend, String base, int scale) {
        ModelCard card = source.card();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("heedVersion", Version.VERSION);
        p.put("input", OrderedMap.of("file", l.image().file().toString(), "width", l.image().width(), "height", l.image().height(),
                "conversions", l.image().conversions()));
        Map<String, Object> modelEntry = OrderedMap.of("file", o.model().toString(), "sha256Prefix", source.fingerprint(),
                "description", model.describe(), "inputShape", List.of(card.channels(), card.height(), card.width()),
                "pixelScale", card.pixelScale());
        if (!source.format().equals("dl4j")) {
            // DL4J sidecars keep their fields as before; other formats say what they are and how pixels became inputs.
            modelEntry.put("format", source.format());
            modelEntry.put("inputPreparation", source.inputPreparation());
        }
        p.put("model", modelEntry);
        p.put("resize", OrderedMap.of("policy", o.resize().id(), "region", List.of(l.region().x(), l.region().y(), l.region().width(), l.region().height()),
                "displayScale", scale));
        p.put("method", OrderedMap.of("id", method.id(), "paper", o.method().paper(), "parameters", OrderedMap.sorted(method.parameters())));
        p.put("layer", method.layer());
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("requested", o.target().describe());
        target.put("classIndex", map.classIndex());
        target.put("className", card.className(map.classIndex()));
        target.put("logit", (double) map.score());
        p.put("target", target);
        float[] v = map.values();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        p.put("map", OrderedMap.of("file", base + ".npy", "height", map.height(), "width", map.width(), "signed", map.signed(),
                "min", (double) min, "max", (double) max, "units", "raw method units at model input resolution"));
        p.put("normalization", OrderedMap.of("mode", normalization.describe(), "lo", range.lo(), "hi", range.hi()));
        p.put("colormap", cmap.id());
        p.put("alpha", o.alpha());
        p.put("overlay", base + ".png");
        p.put("backend", backend.id());
        p.put("modelPass", engine);
        p.put("seed", OrderedMap.of("base", o.seed(), "image", imageSeed(l.stem())));
        p.put("diagnostics", OrderedMap.sorted(map.diagnostics()));
        return p;
    }

    private void writeSummary(int inputs, double totalSeconds) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("heedVersion", Version.VERSION);
        s.put("method", o.method().id());
        s.put("model", o.model().toString());
        s.put("target", o.target().describe());
        s.put("backend", o.backend());
        s.put("batchSize", o.batchSize());
        s.put("counts", OrderedMap.of("inputs", inputs,
                "done", done, "skipped", skipped, "failed", failures.size(), "maps", mapsWritten));
        s.put("seconds", OrderedMap.of("total", totalSeconds, "explain", explainSeconds, "render", renderSeconds));
        s.put("imagesPerSecond", done / Math.max(totalSeconds, 1e-9));
        s.put("failures", failures);
        try {
            Json.write(o.output().resolve("summary." + o.method().id() + ".json"), s);
        } catch (IOException e) {
            err.println(o.output() + ": cannot write the summary (" + e.getMessage() + ")");
        }
    }
}
