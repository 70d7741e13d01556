package dev.heed.toolkit.diagram;

import java.util.List;

/** Graphviz DOT of the same boxes and edges a block diagram shows. */
public final class DotWriter {
    private DotWriter() {
    }

    public static String dot(NetworkGraph graph, List<Hierarchy.Item> items) {
        StringBuilder out = new StringBuilder();
        out.append("digraph \"").append(quote(graph.title())).append("\" {\n");
        out.append("  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];\n");
        for (Hierarchy.Item item : items) {
            StringBuilder label = new StringBuilder(item.title());
            if (!item.isGroup()) {
                label.append("\n").append(item.kind());
                item.hyper().forEach((k, v) -> label.append("\n").append(k).append(' ').append(v));
            } else {
                label.append("\n").append(item.members().size()).append(" layers");
            }
            label.append("\nout ").append(item.output());
            if (item.params() > 0) {
                label.append("\n").append(item.params()).append(" params");
            }
            out.append(String.format("  \"%s\" [label=\"%s\", fillcolor=\"%s\"%s];%n", quote(item.id()), quote(label.toString()).replace("\n", "\\n"),
                    SvgWriter.hex(BlockDiagram.colour(item)), item.isGroup() ? ", peripheries=2" : ""));
        }
        for (Hierarchy.Item item : items) {
            for (String in : item.inputs()) {
                out.append(String.format("  \"%s\" -> \"%s\";%n", quote(in), quote(item.id())));
            }
        }
        out.append("}\n");
        return out.toString();
    }

    private static String quote(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
