package dev.heed.toolkit.diagram;

import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The block diagram: one box per item of a {@link Hierarchy} (a layer with its type, hyper-parameters, output shape and
 * parameter count, or a collapsed block or stage), top to bottom in layers of a longest-path layering, so branches sit
 * side by side and merge where the graph merges. Edges between neighbouring rows run straight; longer ones (skip
 * connections) run in a channel right of the boxes they pass, so they never cross a box.
 */
public final class BlockDiagram {
    private static final double TITLE_SIZE = 12;
    private static final double TEXT_SIZE = 10;
    private static final double LINE = 13;
    private static final double PAD = 6;
    private static final double ROW_GAP = 26;
    private static final double COLUMN_GAP = 24;
    private static final double CHANNEL_GAP = 10;
    private static final double HEADER = 26;
    /** The kind of the "from" box that stands, at the top of a column, for a node drawn in an earlier column. */
    private static final String GHOST = "continued";

    private record Box(Hierarchy.Item item, List<String> lines, double width, double height) { }

    private BlockDiagram() {
    }

    /** The whole diagram on one canvas (its pages side by side), for the viewer and for diagrams that fit one page. */
    public static Scene scene(NetworkGraph graph, List<Hierarchy.Item> items) {
        return Pages.sideBySide(pages(graph, items));
    }

    /**
     * The diagram on pages of at most {@link Pages#LIMIT} units: rows that would make a column taller than a page
     * continue in a next column, cut where the fewest edges cross; a box repeated at the top of the next column (a
     * "from" box) stands for each node whose edges cross the cut, and columns that do not fit one page go on the next.
     */
    public static List<Scene> pages(NetworkGraph graph, List<Hierarchy.Item> items) {
        Map<String, Integer> row = rows(items);
        int rowCount = row.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        double[] rowHeight = new double[rowCount];
        for (Hierarchy.Item item : items) {
            rowHeight[row.get(item.id())] = Math.max(rowHeight[row.get(item.id())], box(item).height());
        }
        String title = graph.title() + " · " + NumberFormat.getIntegerInstance(Locale.ROOT).format(graph.totalParams()) + " parameters";
        double ghostRow = LINE + 2 * PAD + ROW_GAP;
        double columnLimit = Pages.LIMIT - 2 * Pages.MARGIN - HEADER - ghostRow;
        List<Pages.Band> bands = new ArrayList<>();
        int start = 0;
        while (start < rowCount) {
            int end = start;
            double height = 0;
            while (end < rowCount && (end == start || height + rowHeight[end] <= columnLimit)) {
                height += rowHeight[end] + ROW_GAP;
                end++;
            }
            if (end < rowCount) {
                end = cheapestCut(items, row, start, end);
            }
            bands.add(column(items, row, start, end));
            start = end;
        }
        return Pages.pack(bands, Pages.Flow.ACROSS, HEADER, (page, pages) -> {
            String heading = pages == 1 ? title : title + " · page " + page + " of " + pages;
            Scene header = new Scene(ScenePainter.textWidth(heading, 14, true), HEADER);
            header.add(new Scene.Text(0, 14, heading, 14, true, 0x222222, "start"));
            return header;
        });
    }

    /** The row in (start, end] before which to break a column: in its second half, the one the fewest nodes' edges cross. */
    private static int cheapestCut(List<Hierarchy.Item> items, Map<String, Integer> row, int start, int end) {
        int best = end;
        int bestCost = crossing(items, row, end).size();
        for (int cut = end - 1; cut > start + Math.max(0, (end - start) / 2); cut--) {
            int cost = crossing(items, row, cut).size();
            if (cost < bestCost) {
                best = cut;
                bestCost = cost;
            }
        }
        return best;
    }

    /** The nodes above row {@code cut} with an edge to a node at or below it, in item order. */
    private static List<String> crossing(List<Hierarchy.Item> items, Map<String, Integer> row, int cut) {
        Set<String> sources = new LinkedHashSet<>();
        for (Hierarchy.Item item : items) {
            if (row.get(item.id()) >= cut) {
                for (String in : item.inputs()) {
                    if (row.get(in) < cut) {
                        sources.add(in);
                    }
                }
            }
        }
        List<String> ordered = new ArrayList<>();
        for (Hierarchy.Item item : items) {
            if (sources.contains(item.id())) {
                ordered.add(item.id());
            }
        }
        return ordered;
    }

    /** Rows [start, end) laid out as one column, below a "from" box for each node above it that feeds it. */
    private static Pages.Band column(List<Hierarchy.Item> all, Map<String, Integer> globalRow, int start, int end) {
        Map<String, Hierarchy.Item> byId = new HashMap<>();
        all.forEach(i -> byId.put(i.id(), i));
        List<Hierarchy.Item> items = new ArrayList<>();
        Map<String, Integer> row = new HashMap<>();
        List<String> fromAbove = start == 0 ? List.of() : crossing(all, globalRow, start);
        int shift = fromAbove.isEmpty() ? 0 : 1;
        for (String id : fromAbove) {
            Hierarchy.Item source = byId.get(id);
            Hierarchy.Item ghost = new Hierarchy.Item(id, "from " + source.title(), GHOST, List.of(), List.of(), source.output(), 0,
                    Map.of(), 0);
            items.add(ghost);
            row.put(id, 0);
        }
        for (Hierarchy.Item item : all) {
            int r = globalRow.get(item.id());
            if (r >= start && r < end) {
                items.add(item);
                row.put(item.id(), r - start + shift);
            }
        }
        int rowCount = end - start + shift;
        List<List<Box>> rows = new ArrayList<>();
        for (int r = 0; r < rowCount; r++) {
            rows.add(new ArrayList<>());
        }
        for (Hierarchy.Item item : items) {
            rows.get(row.get(item.id())).add(box(item));
        }
        double rowWidth = rows.stream().mapToDouble(r -> r.stream().mapToDouble(Box::width).sum() + COLUMN_GAP * (r.size() - 1)).max().orElse(0);
        Map<String, double[]> bounds = new HashMap<>(); // x, y, width, height
        double y = 0;
        double[] rowBottom = new double[rowCount];
        for (int r = 0; r < rowCount; r++) {
            List<Box> boxes = rows.get(r);
            double width = boxes.stream().mapToDouble(Box::width).sum() + COLUMN_GAP * (boxes.size() - 1);
            double x = (rowWidth - width) / 2;
            double height = boxes.stream().mapToDouble(Box::height).max().orElse(0);
            for (Box b : boxes) {
                bounds.put(b.item().id(), new double[] {x, y, b.width(), b.height()});
                x += b.width() + COLUMN_GAP;
            }
            rowBottom[r] = y + height;
            y += height + ROW_GAP;
        }
        int longEdges = 0;
        for (Hierarchy.Item item : items) {
            for (String in : item.inputs()) {
                if (row.get(in) < row.get(item.id()) - 1) {
                    longEdges++;
                }
            }
        }
        Scene scene = new Scene(rowWidth + (longEdges > 0 ? 40 + CHANNEL_GAP * Math.min(longEdges, 6) : 0), y - ROW_GAP);
        int channel = 0;
        for (Hierarchy.Item item : items) {
            double[] to = bounds.get(item.id());
            for (String in : item.inputs()) {
                double[] from = bounds.get(in);
                int r0 = row.get(in);
                int r1 = row.get(item.id());
                if (r0 == r1 - 1) {
                    double sx = from[0] + from[2] / 2;
                    double sy = from[1] + from[3];
                    double tx = to[0] + to[2] / 2;
                    double ty = to[1];
                    double mid = rowBottom[r0] + ROW_GAP / 2;
                    scene.add(new Scene.Line(new double[] {sx, sx, tx, tx}, new double[] {sy, mid, mid, ty}, 0x555555, 1.2, 1, true, null));
                } else {
                    double right = 0;
                    for (Hierarchy.Item other : items) {
                        int r = row.get(other.id());
                        if (r >= r0 && r <= r1) {
                            double[] b = bounds.get(other.id());
                            right = Math.max(right, b[0] + b[2]);
                        }
                    }
                    double cx = right + 14 + CHANNEL_GAP * (channel++ % 6);
                    double sy = from[1] + from[3] / 2;
                    double ty = to[1] + to[3] / 2;
                    scene.add(new Scene.Line(new double[] {from[0] + from[2], cx, cx, to[0] + to[2]}, new double[] {sy, sy, ty, ty},
                            0x7a5195, 1.2, 1, true, "skip connection " + in + " → " + item.id()));
                }
            }
        }
        for (Hierarchy.Item item : items) {
            draw(scene, box(item), bounds.get(item.id()));
        }
        // the flow enters at the "from" box of the node the previous column ended with, and leaves under this column's last box
        String last = items.get(items.size() - 1).id();
        double[] exit = bounds.get(last);
        double[] entry = fromAbove.isEmpty() ? bounds.get(items.get(0).id()) : bounds.get(fromAbove.get(fromAbove.size() - 1));
        return new Pages.Band(scene, entry[0], entry[1] + entry[3] / 2, exit[0] + exit[2] / 2, exit[1] + exit[3]);
    }

    /** Longest-path layering: each item one row below its lowest input. */
    private static Map<String, Integer> rows(List<Hierarchy.Item> items) {
        Map<String, Integer> row = new HashMap<>();
        for (Hierarchy.Item item : items) {
            int r = 0;
            for (String in : item.inputs()) {
                Integer above = row.get(in);
                if (above == null) {
                    throw new IllegalStateException("item " + item.id() + " comes before its input " + in);
                }
                r = Math.max(r, above + 1);
            }
            row.put(item.id(), r);
        }
        return row;
    }

    private static Box box(Hierarchy.Item item) {
        List<String> lines = new ArrayList<>();
        if (item.kind().equals(GHOST)) {
            lines.add(item.title() + "  ↩");
            return new Box(item, lines, ScenePainter.textWidth(lines.get(0), TEXT_SIZE, false) + 2 * PAD, LINE + 2 * PAD);
        }
        lines.add(item.isGroup() ? item.title() + "  (" + describeGroup(item) + ")" : item.title());
        if (!item.isGroup()) {
            lines.add(item.kind().replace("Layer", "").replace("Vertex", " vertex") + hyperText(item));
        }
        lines.add("out " + item.output() + (item.params() > 0 ? " · " + NumberFormat.getIntegerInstance(Locale.ROOT).format(item.params()) + " params" : ""));
        double width = 0;
        for (int i = 0; i < lines.size(); i++) {
            width = Math.max(width, ScenePainter.textWidth(lines.get(i), i == 0 ? TITLE_SIZE : TEXT_SIZE, i == 0));
        }
        return new Box(item, lines, Math.max(120, width + 2 * PAD), lines.size() * LINE + 2 * PAD);
    }

    private static String describeGroup(Hierarchy.Item item) {
        return item.kind().equals("stage") ? item.blocks() + " blocks, " + item.members().size() + " layers"
                : "block, " + item.members().size() + " layers";
    }

    private static String hyperText(Hierarchy.Item item) {
        if (item.hyper().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(" ·");
        item.hyper().forEach((k, v) -> out.append(' ').append(k).append(' ').append(v));
        return out.toString();
    }

    private static void draw(Scene scene, Box box, double[] at) {
        if (box.item().kind().equals(GHOST)) {
            // a stand-in for a node drawn earlier: no tooltip, so it is not counted as one of the network's boxes
            scene.add(new Scene.Rect(at[0], at[1], at[2], at[3], 4, 0xffffff, 0x999999, 1, null));
            scene.add(new Scene.Text(at[0] + PAD, at[1] + PAD + LINE - 3, box.lines().get(0), TEXT_SIZE, false, 0x555555, "start"));
            return;
        }
        int fill = colour(box.item());
        String tooltip = box.item().isGroup() ? String.join(", ", box.item().members()) : box.item().kind() + " " + box.item().hyper();
        if (box.item().isGroup()) {
            scene.add(new Scene.Rect(at[0] + 3, at[1] + 3, at[2], at[3], 4, fill, 0x666666, 1, null));
        }
        scene.add(new Scene.Rect(at[0], at[1], at[2], at[3], 4, fill, 0x666666, 1, tooltip));
        for (int i = 0; i < box.lines().size(); i++) {
            scene.add(new Scene.Text(at[0] + PAD, at[1] + PAD + (i + 1) * LINE - 3, box.lines().get(i), i == 0 ? TITLE_SIZE : TEXT_SIZE,
                    i == 0, i == 0 ? 0x111111 : 0x333333, "start"));
        }
    }

    /** One colour per family of layers, so a diagram reads at a glance. */
    static int colour(Hierarchy.Item item) {
        if (item.isGroup()) {
            return item.kind().equals("stage") ? 0xd9d2f0 : 0xe6e0f8;
        }
        String k = item.kind();
        if (k.equals("Input")) {
            return 0xeeeeee;
        }
        if (k.contains("Convolution")) {
            return 0xcfe3f7;
        }
        if (k.contains("Subsampling") || k.contains("Pooling")) {
            return 0xfde2c4;
        }
        if (k.contains("Dense") || k.contains("Output") || k.contains("Loss")) {
            return 0xd5efd0;
        }
        if (k.contains("BatchNormalization") || k.contains("LocalResponse")) {
            return 0xf0f0f0;
        }
        if (k.contains("Activation") || k.contains("Dropout")) {
            return 0xfff4c2;
        }
        if (k.contains("Vertex")) {
            return 0xf9d3dd;
        }
        return 0xffffff;
    }
}
