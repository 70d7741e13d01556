package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The VGG-paper style: each convolution, pooling and dense layer as a 3-D slab in an oblique projection, its face as
 * tall and deep as the feature map is high and wide, its thickness growing with the channel count, labelled with
 * {@code height × width × channels}. Normalisation, activation and other shape-keeping layers are left out, as such
 * figures do; a branching graph is drawn along its topological order, each merge (a residual add, a concatenation) as
 * a small circle in the strip, with an arc over the slabs from where each of its other inputs comes from. The strip
 * wraps into rows of at most {@link #ROW_WIDTH} units, cut where the fewest arcs cross, and the rows go onto pages (see
 * {@link Pages}); a heading names the colours and symbols used.
 */
public final class VolumeDiagram {
    /** The longest row of slabs, in scene units. */
    public static final double ROW_WIDTH = 1600;
    /** The last row may run this fraction of {@link #ROW_WIDTH} long rather than leave a short row after it. */
    private static final double TAIL = 0.15;
    private static final double MAX_FACE = 190;
    private static final double GAP = 18;
    private static final double OBLIQUE = 0.45;
    private static final double MERGE_RADIUS = 8;
    private static final double ARC_LEVEL = 10;
    private static final double HEADER = 46;
    private static final int SKIP = 0x7a5195;
    private static final int BRANCH = 0x2a9d8f;

    /** What a slab stands for, with its colour and its name in the legend. */
    public enum Kind {
        INPUT("input", 0xdddddd), CONVOLUTION("convolution", 0x9ecae1), POOLING("pooling", 0xfdae6b), DENSE("dense", 0xa1d99b),
        OUTPUT("output", 0x74c476);

        private final String label;
        private final int colour;

        Kind(String label, int colour) {
            this.label = label;
            this.colour = colour;
        }

        public String label() {
            return label;
        }

        public int colour() {
            return colour;
        }

        /** The kind of a node drawn as a slab, or null for one left out. */
        static Kind of(NetworkGraph.Node n) {
            String k = n.kind();
            if (n.isInput()) {
                return INPUT;
            }
            if (k.contains("Convolution")) {
                return CONVOLUTION;
            }
            if (k.contains("Subsampling") || k.contains("Pooling")) {
                return POOLING;
            }
            if (k.equals("DenseLayer")) {
                return DENSE;
            }
            return k.equals("OutputLayer") || k.equals("LossLayer") ? OUTPUT : null;
        }
    }

    /** A slab or a merge circle in the strip, with its size and, once placed, its position in its row. */
    private static final class Element {
        final NetworkGraph.Node node;
        final Kind kind; // null for a merge
        double face;
        double depth;
        double thickness;
        double width;
        /** Space left of the slab for the part of its label that reaches further left than the slab. */
        double offset;
        String label;
        double x;
        double baseline;

        Element(NetworkGraph.Node node, Kind kind) {
            this.node = node;
            this.kind = kind;
        }

        boolean merge() {
            return kind == null;
        }

        /** Where an arc leaves or enters: the middle of a slab's top face, the top of a merge circle. */
        double anchorX() {
            return merge() ? x + MERGE_RADIUS : x + thickness / 2 + depth / 2;
        }

        double anchorY() {
            return merge() ? baseline - 14 - MERGE_RADIUS : baseline - face - depth / 2;
        }

        double right() {
            return merge() ? x + 2 * MERGE_RADIUS : x + thickness + depth;
        }
    }

    /** An input of a merge other than the node just before it: a skip connection (add) or a branch (concatenation). */
    private record Arc(int from, int to, String input, String merge, boolean add) {
        String tooltip() {
            return (add ? "skip connection " : "branch ") + input + " → " + merge;
        }
    }

    private VolumeDiagram() {
    }

    /** The whole strip on one canvas (its pages side by side), for the viewer. */
    public static Scene scene(NetworkGraph graph) {
        return Pages.sideBySide(pages(graph));
    }

    public static List<Scene> pages(NetworkGraph graph) {
        List<NetworkGraph.Node> nodes = graph.nodes();
        List<Element> elements = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        long largest = nodes.stream().filter(n -> Kind.of(n) != null)
                .mapToLong(n -> n.output().spatial() ? Math.max(n.output().height(), n.output().width()) : 1).max().orElse(1);
        for (NetworkGraph.Node n : nodes) {
            Kind kind = Kind.of(n);
            if (kind == null && n.inputs().size() < 2) {
                continue;
            }
            Element e = new Element(n, kind);
            size(e, largest);
            index.put(n.name(), elements.size());
            elements.add(e);
        }
        List<Arc> arcs = arcs(graph, index);
        List<Pages.Band> bands = new ArrayList<>();
        int start = 0;
        while (start < elements.size()) {
            int end = start;
            double width = 0;
            while (end < elements.size() && (end == start || width + elements.get(end).width <= ROW_WIDTH)) {
                width += elements.get(end).width;
                end++;
            }
            double rest = 0;
            for (int i = end; i < elements.size(); i++) {
                rest += elements.get(i).width;
            }
            if (rest <= TAIL * ROW_WIDTH) {
                end = elements.size(); // a row of one or two leftover slabs reads worse than a slightly long last row
            } else if (end < elements.size()) {
                end = cheapestCut(arcs, start, end);
            }
            bands.add(row(elements, arcs, start, end));
            start = end;
        }
        Set<Kind> kinds = new LinkedHashSet<>();
        Set<String> merges = new LinkedHashSet<>();
        for (Element e : elements) {
            if (e.merge()) {
                merges.add(symbol(e.node));
            } else {
                kinds.add(e.kind);
            }
        }
        boolean skips = arcs.stream().anyMatch(Arc::add);
        boolean branches = arcs.stream().anyMatch(a -> !a.add());
        return Pages.pack(bands, Pages.Flow.DOWN, HEADER, (page, pages) -> header(
                pages == 1 ? graph.title() : graph.title() + " · page " + page + " of " + pages, kinds, merges, skips, branches));
    }

    private static void size(Element e, long largest) {
        if (e.merge()) {
            e.width = 2 * MERGE_RADIUS + GAP;
            return;
        }
        NetworkGraph.Shape s = e.node.output();
        if (s.spatial()) {
            e.face = 12 + (MAX_FACE - 12) * Math.sqrt(s.height() / (double) largest);
            e.depth = (12 + (MAX_FACE - 12) * Math.sqrt(s.width() / (double) largest)) * OBLIQUE;
            e.thickness = 3 + 5 * Math.log(Math.max(1, s.channels())) / Math.log(2);
            e.label = s.height() + "×" + s.width() + "×" + s.channels();
        } else {
            e.face = 20 + 12 * Math.log(Math.max(2, s.size())) / Math.log(2);
            e.depth = 6;
            e.thickness = 10;
            e.label = String.valueOf(s.size());
        }
        // room for the wider of the two labels centred under the slab, so neighbouring labels never overlap
        double labelWidth = Math.max(ScenePainter.textWidth(e.label, 10, false), ScenePainter.textWidth(shortKind(e), 9, false));
        e.offset = Math.max(0, labelWidth / 2 - e.thickness / 2 - GAP / 2);
        e.width = e.offset + Math.max(e.thickness + e.depth, e.thickness / 2 + labelWidth / 2) + GAP;
    }

    /**
     * Every input of a merge other than the node just before it in topological order, drawn from the nearest element
     * at or above it (a slab, or the circle of an earlier merge).
     */
    private static List<Arc> arcs(NetworkGraph graph, Map<String, Integer> index) {
        List<NetworkGraph.Node> nodes = graph.nodes();
        List<Arc> arcs = new ArrayList<>();
        for (int i = 1; i < nodes.size(); i++) {
            NetworkGraph.Node merge = nodes.get(i);
            if (merge.inputs().size() < 2 || Kind.of(merge) != null) {
                continue;
            }
            String previous = nodes.get(i - 1).name();
            for (String input : merge.inputs()) {
                if (input.equals(previous)) {
                    continue;
                }
                Integer from = nearestElement(graph, index, input);
                if (from != null) {
                    arcs.add(new Arc(from, index.get(merge.name()), input, merge.name(), !merge.kind().equals("MergeVertex")));
                }
            }
        }
        return arcs;
    }

    private static Integer nearestElement(NetworkGraph graph, Map<String, Integer> index, String name) {
        String at = name;
        while (!index.containsKey(at)) {
            List<String> inputs = graph.node(at).inputs();
            if (inputs.isEmpty()) {
                return null;
            }
            at = inputs.get(0);
        }
        return index.get(at);
    }

    /**
     * The element in (start, end] before which to wrap: in the row's second half, the one the fewest arcs cross. In a
     * ResNet every cut crosses one arc (the skips chain from merge to merge), so among equals the cut right after an arc's
     * source wins: the next row then begins with that arc's arrow, labelled with the element that ended this row.
     */
    private static int cheapestCut(List<Arc> arcs, int start, int end) {
        int best = end;
        double bestCost = crossing(arcs, end);
        for (int cut = end - 1; cut > start + Math.max(0, (end - start) / 2); cut--) {
            double cost = crossing(arcs, cut);
            if (cost < bestCost) {
                best = cut;
                bestCost = cost;
            }
        }
        return best;
    }

    /** Arcs crossing a cut before element {@code cut}, each counting half again unless it leaves from just before the cut. */
    private static double crossing(List<Arc> arcs, int cut) {
        return arcs.stream().filter(a -> a.from() < cut && a.to() >= cut).mapToDouble(a -> a.from() == cut - 1 ? 1 : 1.5).sum();
    }

    /** Elements [start, end) as one row: arcs above, slabs on a common baseline, labels below. */
    private static Pages.Band row(List<Element> elements, List<Arc> arcs, int start, int end) {
        List<Arc> inside = arcs.stream().filter(a -> a.from() >= start && a.to() < end).toList();
        List<Arc> fromEarlierRows = arcs.stream().filter(a -> a.from() < start && a.to() >= start && a.to() < end).toList();
        // arcs whose spans overlap get separate heights, so none runs along another
        List<List<Arc>> levels = new ArrayList<>();
        Map<Arc, Integer> level = new HashMap<>();
        for (Arc arc : inside) {
            int l = 0;
            while (l < levels.size() && levels.get(l).stream().anyMatch(o -> o.from() < arc.to() && arc.from() < o.to())) {
                l++;
            }
            if (l == levels.size()) {
                levels.add(new ArrayList<>());
            }
            levels.get(l).add(arc);
            level.put(arc, l);
        }
        // a line for the labels of arcs from earlier rows, then one height per level of arcs
        double labelLine = fromEarlierRows.isEmpty() ? 0 : 14;
        double arcZone = inside.isEmpty() && fromEarlierRows.isEmpty() ? 4 : labelLine + 22 + levels.size() * ARC_LEVEL;
        double tallest = 0;
        for (int i = start; i < end; i++) {
            Element e = elements.get(i);
            tallest = Math.max(tallest, e.merge() ? 14 + 2 * MERGE_RADIUS : e.face + e.depth);
        }
        double baseline = arcZone + tallest + 4;
        double x = 14;
        for (int i = start; i < end; i++) {
            Element e = elements.get(i);
            e.x = x + e.offset;
            e.baseline = baseline;
            x += e.width;
        }
        Element last = elements.get(end - 1);
        Scene scene = new Scene(Math.max(x, last.right() + 24), baseline + 36);
        for (int i = start; i < end; i++) {
            Element e = elements.get(i);
            if (e.merge()) {
                double cx = e.x + MERGE_RADIUS;
                double cy = baseline - 14;
                scene.add(new Scene.Circle(cx, cy, MERGE_RADIUS, 0xffffff, 0x444444, 1, e.node.name() + " (" + e.node.kind() + ")"));
                scene.add(new Scene.Text(cx, cy + 4, symbol(e.node), 11, true, 0x333333, "middle"));
                continue;
            }
            String tooltip = e.node.name() + " (" + e.node.kind() + ") " + e.label + " " + e.node.hyper();
            slab(scene, e.x, baseline, e.thickness, e.face, e.depth, e.kind.colour(), tooltip);
            scene.add(new Scene.Text(e.x + e.thickness / 2, baseline + 16, e.label, 10, false, 0x333333, "middle"));
            scene.add(new Scene.Text(e.x + e.thickness / 2, baseline + 29, shortKind(e), 9, false, 0x666666, "middle"));
        }
        for (Arc arc : inside) {
            Element from = elements.get(arc.from());
            Element to = elements.get(arc.to());
            double y = labelLine + 10 + level.get(arc) * ARC_LEVEL;
            // start a little right of the anchor and end a little left, so an arc ending at a circle and the next one
            // leaving it do not draw over each other
            double sx = from.anchorX() + (from.merge() ? 3 : 0);
            double tx = to.anchorX() - 3;
            scene.add(new Scene.Line(new double[] {sx, sx, tx, tx}, new double[] {from.anchorY(), y, y, to.anchorY()},
                    arc.add() ? SKIP : BRANCH, 1.4, 1, true, arc.tooltip()));
        }
        for (Arc arc : fromEarlierRows) {
            // the source is in an earlier row: an arrow dropping into the merge, labelled with where it comes from
            Element to = elements.get(arc.to());
            double tx = to.anchorX() - 3;
            scene.add(new Scene.Line(new double[] {tx, tx}, new double[] {2, to.anchorY()}, arc.add() ? SKIP : BRANCH, 1.4, 1, true,
                    arc.tooltip()));
            scene.add(new Scene.Text(tx + 4, 10, "from " + arc.input() + " (earlier row)", 9, false, arc.add() ? SKIP : BRANCH, "start"));
        }
        Element first = elements.get(start);
        return new Pages.Band(scene, first.x - 2, baseline - 14, last.right() + 2, baseline - 14);
    }

    /** The title, then a legend: a swatch per kind of slab drawn, the merge symbols and the arcs used. */
    private static Scene header(String title, Set<Kind> kinds, Set<String> merges, boolean skips, boolean branches) {
        Scene header = new Scene(0, 0);
        header.add(new Scene.Text(0, 14, title, 14, true, 0x222222, "start"));
        double x = 0;
        double y = 36;
        for (Kind kind : kinds) {
            header.add(new Scene.Rect(x, y - 10, 12, 12, 0, kind.colour(), 0x444444, 0.8, null));
            header.add(new Scene.Text(x + 17, y, kind.label(), 10, false, 0x333333, "start"));
            x += 17 + ScenePainter.textWidth(kind.label(), 10, false) + 16;
        }
        for (String symbol : merges) {
            String label = symbol.equals("‖") ? "concatenation" : "element-wise " + MERGE_NAMES.getOrDefault(symbol, symbol);
            header.add(new Scene.Circle(x + 6, y - 4, 7, 0xffffff, 0x444444, 1, null));
            header.add(new Scene.Text(x + 6, y, symbol, 10, true, 0x333333, "middle"));
            header.add(new Scene.Text(x + 17, y, label, 10, false, 0x333333, "start"));
            x += 17 + ScenePainter.textWidth(label, 10, false) + 16;
        }
        if (skips) {
            x = legendArc(header, x, y, SKIP, "skip connection");
        }
        if (branches) {
            x = legendArc(header, x, y, BRANCH, "branch joining");
        }
        Scene sized = new Scene(Math.max(x, ScenePainter.textWidth(title, 14, true)), HEADER);
        sized.addAll(header, 0, 0);
        return sized;
    }

    private static double legendArc(Scene header, double x, double y, int colour, String label) {
        header.add(new Scene.Line(new double[] {x, x, x + 18, x + 18}, new double[] {y + 1, y - 9, y - 9, y + 1}, colour, 1.4, 1, false, null));
        header.add(new Scene.Text(x + 24, y, label, 10, false, 0x333333, "start"));
        return x + 24 + ScenePainter.textWidth(label, 10, false) + 16;
    }

    private static final Map<String, String> MERGE_NAMES = Map.of("+", "add", "×", "product", "−", "subtract", "avg", "average",
            "max", "maximum");

    /** The symbol in a merge's circle: its element-wise operation, or ‖ for a concatenation. */
    private static String symbol(NetworkGraph.Node merge) {
        String op = merge.hyper().get("op");
        if (op == null) {
            return "‖";
        }
        return switch (op.toLowerCase(Locale.ROOT)) {
            case "add" -> "+";
            case "product" -> "×";
            case "subtract" -> "−";
            case "average" -> "avg";
            default -> op;
        };
    }

    private static String shortKind(Element e) {
        NetworkGraph.Node n = e.node;
        return switch (e.kind) {
            case INPUT -> "input";
            case CONVOLUTION -> "conv " + n.hyper().getOrDefault("kernel", "");
            case POOLING -> n.hyper().getOrDefault("pool", "pool");
            case DENSE -> "dense";
            case OUTPUT -> "output";
        };
    }

    /** A box seen from front-right-above: front face, top face and right face, darker to the side. */
    private static void slab(Scene scene, double x, double baseline, double thickness, double face, double depth, int colour, String tooltip) {
        double top = baseline - face;
        double dx = depth;
        double dy = -depth;
        scene.add(new Scene.Polygon(new double[] {x, x + thickness, x + thickness + dx, x + dx},
                new double[] {top, top, top + dy, top + dy}, shade(colour, 1.08), 0x444444, 0.8, tooltip));
        scene.add(new Scene.Polygon(new double[] {x + thickness, x + thickness + dx, x + thickness + dx, x + thickness},
                new double[] {top, top + dy, baseline + dy, baseline}, shade(colour, 0.8), 0x444444, 0.8, tooltip));
        scene.add(new Scene.Rect(x, top, thickness, face, 0, colour, 0x444444, 0.8, tooltip));
    }

    private static int shade(int rgb, double factor) {
        int r = (int) Math.min(255, ((rgb >> 16) & 0xFF) * factor);
        int g = (int) Math.min(255, ((rgb >> 8) & 0xFF) * factor);
        int b = (int) Math.min(255, (rgb & 0xFF) * factor);
        return r << 16 | g << 8 | b;
    }
}
