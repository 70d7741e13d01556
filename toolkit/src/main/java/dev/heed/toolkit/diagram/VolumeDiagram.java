package dev.heed.toolkit.diagram;

import java.util.List;

/**
 * The VGG-paper style: each convolution, pooling and dense layer as a 3-D slab in an oblique projection, its face as
 * tall and deep as the feature map is high and wide, its thickness growing with the channel count, labelled with
 * {@code height × width × channels}. Normalisation, activation and other shape-keeping layers are left out, as such
 * figures do; a branching graph is drawn along its topological order.
 */
public final class VolumeDiagram {
    private static final double MARGIN = 30;
    private static final double MAX_FACE = 190;
    private static final double GAP = 18;
    private static final double OBLIQUE = 0.45;

    private VolumeDiagram() {
    }

    public static Scene scene(NetworkGraph graph) {
        List<NetworkGraph.Node> shown = graph.nodes().stream().filter(VolumeDiagram::drawn).toList();
        long largest = shown.stream().mapToLong(n -> n.output().spatial() ? Math.max(n.output().height(), n.output().width()) : 1).max().orElse(1);
        double x = MARGIN;
        double baseline = MARGIN + 40 + MAX_FACE + MAX_FACE * OBLIQUE;
        Scene body = new Scene(0, 0);
        for (NetworkGraph.Node n : shown) {
            NetworkGraph.Shape s = n.output();
            double face;
            double depth;
            double thickness;
            int colour;
            String label;
            if (s.spatial()) {
                face = 12 + (MAX_FACE - 12) * Math.sqrt(s.height() / (double) largest);
                depth = (12 + (MAX_FACE - 12) * Math.sqrt(s.width() / (double) largest)) * OBLIQUE;
                thickness = 3 + 5 * Math.log(Math.max(1, s.channels())) / Math.log(2);
                colour = n.kind().contains("Convolution") ? 0x9ecae1 : n.isInput() ? 0xdddddd : 0xfdae6b;
                label = s.height() + "×" + s.width() + "×" + s.channels();
            } else {
                face = 20 + 12 * Math.log(Math.max(2, s.size())) / Math.log(2);
                depth = 6;
                thickness = 10;
                colour = 0xa1d99b;
                label = String.valueOf(s.size());
            }
            slab(body, x, baseline, thickness, face, depth, colour, n.name() + " (" + n.kind() + ") " + label + " " + n.hyper());
            body.add(new Scene.Text(x + thickness / 2, baseline + 16, label, 10, false, 0x333333, "middle"));
            body.add(new Scene.Text(x + thickness / 2, baseline + 29, shortKind(n), 9, false, 0x666666, "middle"));
            x += thickness + depth + GAP + Math.max(0, ScenePainter.textWidth(label, 10, false) - thickness - depth - GAP + 6);
        }
        Scene scene = new Scene(x + MARGIN, baseline + 45);
        scene.add(new Scene.Text(MARGIN, MARGIN, graph.title(), 14, true, 0x222222, "start"));
        scene.addAll(body, 0, 0);
        return scene;
    }

    private static boolean drawn(NetworkGraph.Node n) {
        String k = n.kind();
        return n.isInput() || k.contains("Convolution") || k.contains("Subsampling") || k.contains("Pooling")
                || k.equals("DenseLayer") || k.equals("OutputLayer");
    }

    private static String shortKind(NetworkGraph.Node n) {
        String k = n.kind();
        if (n.isInput()) {
            return "input";
        }
        if (k.contains("Convolution")) {
            return "conv " + n.hyper().getOrDefault("kernel", "");
        }
        if (k.contains("Subsampling") || k.contains("Pooling")) {
            return n.hyper().getOrDefault("pool", "pool");
        }
        return k.equals("OutputLayer") ? "output" : "dense";
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
