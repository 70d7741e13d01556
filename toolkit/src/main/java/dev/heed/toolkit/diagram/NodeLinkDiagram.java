package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The neuron-level node-link diagram of a small dense network: one column of circles per layer, one line per weight,
 * red for positive and blue for negative, width and opacity growing with the weight's magnitude.
 */
public final class NodeLinkDiagram {
    /** More neurons than this make circles too small to read; a block diagram suits such nets. */
    public static final int MAX_NEURONS = 400;
    static final int POSITIVE = 0xd6604d; // red for positive, blue for negative: the Playground's and the bwr colormap's convention
    static final int NEGATIVE = 0x2166ac;
    private static final double COLUMN_GAP = 170;
    private static final double MARGIN = 40;
    private static final double TOP = 70;
    private static final double MAX_HEIGHT = 760;

    private NodeLinkDiagram() {
    }

    public static Scene scene(MultiLayerNetwork net, String title) {
        List<Integer> sizes = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        List<INDArray> weights = new ArrayList<>();
        List<INDArray> biases = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer conf = net.getLayerWiseConfigurations().getConf(i).getLayer();
            if (!(conf instanceof FeedForwardLayer ff) || net.getLayer(i).getParam("W") == null
                    || net.getLayer(i).getParam("W").rank() != 2) {
                throw new IllegalArgumentException("a node-link diagram needs a network of dense layers only; layer " + i + " is a "
                        + conf.getClass().getSimpleName() + " (use --style blocks)");
            }
            if (i == 0) {
                sizes.add((int) ff.getNIn());
                headers.add("input · " + ff.getNIn());
            }
            sizes.add((int) ff.getNOut());
            String activation = conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b && b.getActivationFn() != null
                    ? " " + b.getActivationFn().getClass().getSimpleName().replace("Activation", "").toLowerCase(Locale.ROOT) : "";
            headers.add((i == net.getnLayers() - 1 ? "output · " : "dense · ") + ff.getNOut() + activation);
            weights.add(net.getLayer(i).getParam("W"));
            biases.add(net.getLayer(i).getParam("b"));
        }
        int neurons = sizes.stream().mapToInt(Integer::intValue).sum();
        if (neurons > MAX_NEURONS) {
            throw new IllegalArgumentException("the network has " + neurons + " neurons; a node-link diagram draws at most "
                    + MAX_NEURONS + " (use --style blocks)");
        }
        int tallest = sizes.stream().mapToInt(Integer::intValue).max().orElse(1);
        double spacing = Math.min(34, MAX_HEIGHT / tallest);
        double radius = Math.max(2.5, Math.min(11, spacing * 0.36));
        double height = TOP + tallest * spacing + MARGIN;
        Scene scene = new Scene(2 * MARGIN + (sizes.size() - 1) * COLUMN_GAP + 60, height + 30);
        scene.add(new Scene.Text(MARGIN, 28, title, 14, true, 0x222222, "start"));
        double maxWeight = weights.stream().mapToDouble(w -> w.amaxNumber().doubleValue()).max().orElse(1);
        for (int l = 0; l < weights.size(); l++) {
            INDArray w = weights.get(l);
            for (int from = 0; from < sizes.get(l); from++) {
                for (int to = 0; to < sizes.get(l + 1); to++) {
                    double v = w.getDouble(from, to);
                    double strength = maxWeight == 0 ? 0 : Math.abs(v) / maxWeight;
                    scene.add(new Scene.Line(new double[] {x(l), x(l + 1)},
                            new double[] {y(from, sizes.get(l), tallest, spacing), y(to, sizes.get(l + 1), tallest, spacing)},
                            v >= 0 ? POSITIVE : NEGATIVE, 0.4 + 3.2 * strength, 0.15 + 0.8 * strength, false,
                            String.format(Locale.ROOT, "w[%d→%d] = %.4f", from, to, v)));
                }
            }
        }
        for (int l = 0; l < sizes.size(); l++) {
            scene.add(new Scene.Text(x(l), TOP - 22, headers.get(l), 11, true, 0x333333, "middle"));
            for (int j = 0; j < sizes.get(l); j++) {
                String tooltip = l == 0 ? "input " + j
                        : String.format(Locale.ROOT, "layer %d neuron %d, bias %.4f", l - 1, j, biases.get(l - 1).getDouble(j));
                scene.add(new Scene.Circle(x(l), y(j, sizes.get(l), tallest, spacing), radius, l == 0 ? 0xeeeeee : 0xffffff,
                        0x333333, 1, tooltip));
            }
        }
        double legendY = height + 12;
        scene.add(new Scene.Line(new double[] {MARGIN, MARGIN + 30}, new double[] {legendY, legendY}, POSITIVE, 3, 1, false, null));
        scene.add(new Scene.Text(MARGIN + 36, legendY + 4, "positive weight", 10, false, 0x333333, "start"));
        scene.add(new Scene.Line(new double[] {MARGIN + 140, MARGIN + 170}, new double[] {legendY, legendY}, NEGATIVE, 3, 1, false, null));
        scene.add(new Scene.Text(MARGIN + 176, legendY + 4, "negative weight (width and opacity: |w| / max |w| = "
                + String.format(Locale.ROOT, "%.3g", maxWeight) + ")", 10, false, 0x333333, "start"));
        return scene;
    }

    private static double x(int column) {
        return MARGIN + 30 + column * COLUMN_GAP;
    }

    private static double y(int index, int count, int tallest, double spacing) {
        double offset = (tallest - count) * spacing / 2;
        return TOP + offset + (index + 0.5) * spacing;
    }
}
