package dev.heed.toolkit.playground;

import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Draws a {@link Playground}'s current state in the original's layout: a header with epoch, iteration, losses and
 * settings; the network as columns of small heatmaps, one per neuron, joined by lines coloured by the weight's sign
 * and as wide as its magnitude; on the right a large panel with the output over the whole square and the points on
 * it (train ringed white, test ringed black), and the loss curves under it.
 *
 * <p>Colours come from the diverging {@link Colormap#BWR}: -1 blue, 0 white, +1 red, for activations, labels and
 * weight signs alike. Hidden and output activations are drawn on the fixed range [-1, 1], the range of tanh, so that
 * the neurons can be compared; a feature's map is scaled by its largest magnitude instead, since X1² reaches 36 and a
 * fixed range would show nothing but its sign.
 */
public final class PlaygroundFrame {

    /** One forward pass on this grid serves the small squares and, smoothed, the large output panel. */
    private static final int MAP_RESOLUTION = 100;
    private static final Colormap COLORS = Colormap.BWR;
    private static final Color BACKGROUND = Color.WHITE;
    private static final Color TEXT = new Color(0x333333);
    private static final Color FRAME = new Color(0xAAAAAA);
    private static final Color TRAIN_CURVE = new Color(0x999999);
    private static final Color TEST_CURVE = Color.BLACK;
    /** Weight lines are translucent so that where they cross both stay visible. */
    private static final int LINE_ALPHA = 0xB0 << 24;
    /** Pixels between a feature's name and its square. */
    private static final int LABEL_GAP = 4;
    /** Weights at or beyond this magnitude get the widest line. */
    private static final double FULL_WIDTH_WEIGHT = 3;
    /** The output panel's background is blended this far towards white, so points in their own colour stand out. */
    private static final double PANEL_FADE = 0.3;
    private static final int MIN_WIDTH = 240;
    private static final int MIN_HEIGHT = 160;

    private PlaygroundFrame() {
    }

    /** A {@code width} × {@code height} picture of {@code playground} as it is now; the playground is not changed. */
    public static BufferedImage render(Playground playground, int width, int height) {
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            throw new IllegalArgumentException("frame must be at least " + MIN_WIDTH + "x" + MIN_HEIGHT + ", got "
                    + width + "x" + height);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            Layout layout = Layout.of(width, height);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, layout.fontSize));
            float[][] maps = playground.neuronMaps(MAP_RESOLUTION);
            drawHeader(g, playground, layout);
            drawNetwork(g, playground, maps, layout.network);
            drawOutputPanel(g, playground, maps[maps.length - 1], layout.panel);
            drawLossChart(g, playground.lossHistory(), layout.chart);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Where each part goes; sizes follow the frame so that small and large frames keep the same proportions. */
    private record Layout(int fontSize, int margin, int headerLine, Rectangle network, Rectangle panel,
            Rectangle chart) {
        static Layout of(int width, int height) {
            int fontSize = Math.max(10, Math.min(18, height / 42));
            int line = fontSize + fontSize / 2;
            int margin = Math.max(8, width / 100);
            int bodyTop = margin + 2 * line + margin;
            int bodyHeight = height - bodyTop - margin;
            // The panel's caption takes one line above it; the loss chart gets what is left below.
            int panelSize = (int) Math.min(bodyHeight * 0.7 - line, width * 0.38);
            int panelLeft = width - margin - panelSize;
            Rectangle panel = new Rectangle(panelLeft, bodyTop + line, panelSize, panelSize);
            int chartTop = panel.y + panel.height + margin;
            Rectangle chart = new Rectangle(panelLeft, chartTop, panelSize, height - margin - chartTop);
            Rectangle network = new Rectangle(margin, bodyTop, panelLeft - 3 * margin, bodyHeight);
            return new Layout(fontSize, margin, line, network, panel, chart);
        }
    }

    /** The top-left corner of every neuron's square, indexed [column][neuron], and the squares' side. */
    private record Squares(int[][] x, int[][] y, int side) {
        /**
         * Columns spread evenly over {@code area} right of the feature labels, each column centred vertically; the
         * side fits the tallest column and leaves room between columns for the weight lines.
         */
        static Squares arrange(int[] widths, Rectangle area, int labelWidth) {
            int left = area.x + labelWidth;
            double spacing = (double) (area.x + area.width - left) / widths.length;
            int tallest = Arrays.stream(widths).max().orElse(1);
            int side = (int) Math.max(6, Math.min(Math.min(area.height / (tallest * 1.35), spacing * 0.5), 72));
            int gap = Math.max(2, (int) (side * 0.35));
            int[][] x = new int[widths.length][];
            int[][] y = new int[widths.length][];
            for (int column = 0; column < widths.length; column++) {
                int columnHeight = widths[column] * side + (widths[column] - 1) * gap;
                int top = area.y + (area.height - columnHeight) / 2;
                x[column] = new int[widths[column]];
                y[column] = new int[widths[column]];
                for (int n = 0; n < widths[column]; n++) {
                    x[column][n] = (int) (left + column * spacing);
                    y[column][n] = top + n * (side + gap);
                }
            }
            return new Squares(x, y, side);
        }
    }

    private static void drawHeader(Graphics2D g, Playground p, Layout layout) {
        int baseline = layout.margin + g.getFontMetrics().getAscent();
        g.setColor(TEXT);
        g.drawString(String.format(Locale.ROOT, "Epoch %d   Iteration %d   Train loss %.4f   Test loss %.4f",
                p.epoch(), p.iteration(), p.trainLoss(), p.testLoss()), layout.network.x, baseline);
        g.drawString(summary(p.settings()), layout.network.x, baseline + layout.headerLine);
    }

    /** The settings in one line, in the order the original's controls read. */
    private static String summary(PlaygroundSettings s) {
        String regularization = switch (s.regularization()) {
            case NONE -> "no regularisation";
            case L1, L2 -> s.regularization() + " " + number(s.regularizationRate());
        };
        String hidden = s.hiddenLayers().isEmpty() ? "none" : s.hiddenLayers().toString();
        String features = s.features().stream().map(Feature::label).collect(Collectors.joining(", "));
        return String.format(Locale.ROOT,
                "%s, noise %d%%, train %d%%   batch %d   learning rate %s   %s   %s   hidden %s   features %s   seed %d",
                s.dataset().id(), s.noisePercent(), Math.round(s.trainRatio() * 100), s.batchSize(),
                number(s.learningRate()), s.activation().id(), regularization, hidden, features, s.seed());
    }

    /** Rates like 0.00001 and 10 both in their shortest plain form. */
    private static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** Column captions, then the weight lines, then the neuron squares over the lines' ends, then feature names. */
    private static void drawNetwork(Graphics2D g, Playground p, float[][] maps, Rectangle area) {
        FontMetrics metrics = g.getFontMetrics();
        int[] widths = p.layerWidths();
        List<Feature> features = p.settings().features();
        int labelWidth = features.stream().mapToInt(f -> metrics.stringWidth(f.label())).max().orElse(0)
                + LABEL_GAP;
        int captionHeight = metrics.getHeight();
        Rectangle columns = new Rectangle(area.x, area.y + captionHeight, area.width, area.height - captionHeight);
        Squares squares = Squares.arrange(widths, columns, labelWidth);
        g.setColor(TEXT);
        for (int column = 0; column < widths.length; column++) {
            g.drawString(caption(column, widths), squares.x[column][0], area.y + metrics.getAscent());
        }
        drawWeights(g, p, squares);
        int map = 0;
        for (int column = 0; column < widths.length; column++) {
            for (int n = 0; n < widths[column]; n++) {
                float[] values = maps[map++];
                double scale = column == 0 ? largestMagnitude(values) : 1;
                drawMap(g, values, scale, 0, squares.x[column][n], squares.y[column][n], squares.side);
            }
        }
        g.setColor(TEXT);
        for (int n = 0; n < features.size(); n++) {
            String label = features.get(n).label();
            g.drawString(label, squares.x[0][n] - metrics.stringWidth(label) - LABEL_GAP,
                    squares.y[0][n] + (squares.side + metrics.getAscent()) / 2);
        }
    }

    private static String caption(int column, int[] widths) {
        if (column == 0) {
            return "features";
        }
        return column == widths.length - 1 ? "output" : "hidden " + column;
    }

    private static void drawWeights(Graphics2D g, Playground p, Squares squares) {
        float widest = Math.max(2, squares.side * 0.15f);
        int half = squares.side / 2;
        for (int layer = 0; layer < squares.x.length - 1; layer++) {
            double[][] weights = p.weights(layer);
            for (int from = 0; from < weights.length; from++) {
                for (int to = 0; to < weights[from].length; to++) {
                    double w = weights[from][to];
                    float strength = (float) Math.min(1, Math.abs(w) / FULL_WIDTH_WEIGHT);
                    g.setStroke(new BasicStroke(0.5f + strength * widest));
                    g.setColor(new Color(COLORS.rgb(w >= 0 ? 1 : 0) | LINE_ALPHA, true));
                    g.draw(new Line2D.Double(squares.x[layer][from] + squares.side, squares.y[layer][from] + half,
                            squares.x[layer + 1][to], squares.y[layer + 1][to] + half));
                }
            }
        }
        g.setStroke(new BasicStroke(1));
    }

    private static double largestMagnitude(float[] values) {
        double largest = 0;
        for (float v : values) {
            largest = Math.max(largest, Math.abs(v));
        }
        return largest > 0 ? largest : 1;
    }

    /**
     * One map as a {@code size}² square at (x, y): values divided by {@code scale}, coloured on [-1, 1], blended
     * {@code fade} of the way towards white, framed.
     */
    private static void drawMap(Graphics2D g, float[] values, double scale, double fade, int x, int y, int size) {
        int[] rgb = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            rgb[i] = towardsWhite(COLORS.rgb((values[i] / scale + 1) / 2), fade);
        }
        g.drawImage(Images.toImage(rgb, MAP_RESOLUTION, MAP_RESOLUTION), x, y, size, size, null);
        g.setColor(FRAME);
        g.drawRect(x, y, size, size);
    }

    private static int towardsWhite(int rgb, double fade) {
        int r = rgb >> 16 & 0xFF;
        int gr = rgb >> 8 & 0xFF;
        int b = rgb & 0xFF;
        return channelTowardsWhite(r, fade) << 16 | channelTowardsWhite(gr, fade) << 8 | channelTowardsWhite(b, fade);
    }

    private static int channelTowardsWhite(int channel, double fade) {
        return (int) Math.round(channel + (255 - channel) * fade);
    }

    /** The output over [-6, 6]², then every point, test points last so the ones being judged are on top. */
    private static void drawOutputPanel(Graphics2D g, Playground p, float[] output, Rectangle panel) {
        g.setColor(TEXT);
        g.drawString("output: train ringed white, test ringed black", panel.x,
                panel.y - g.getFontMetrics().getDescent() - 2);
        drawMap(g, output, 1, PANEL_FADE, panel.x, panel.y, panel.width);
        double radius = Math.max(2, panel.width / 110.0);
        Graphics2D clipped = (Graphics2D) g.create();
        try {
            clipped.clip(panel);
            drawPoints(clipped, p.data().train(), Color.WHITE, panel, radius);
            drawPoints(clipped, p.data().test(), Color.BLACK, panel, radius);
        } finally {
            clipped.dispose();
        }
    }

    private static void drawPoints(Graphics2D g, List<PlaygroundDataset.Point> points, Color ring, Rectangle panel,
            double radius) {
        double extent = PlaygroundDataset.EXTENT;
        g.setStroke(new BasicStroke((float) Math.max(1, radius / 3)));
        for (PlaygroundDataset.Point point : points) {
            double x = panel.x + (point.x1() + extent) / (2 * extent) * panel.width;
            double y = panel.y + (extent - point.x2()) / (2 * extent) * panel.height;
            Ellipse2D dot = new Ellipse2D.Double(x - radius, y - radius, 2 * radius, 2 * radius);
            g.setColor(new Color(COLORS.rgb(point.label() > 0 ? 1 : 0)));
            g.fill(dot);
            g.setColor(ring);
            g.draw(dot);
        }
        g.setStroke(new BasicStroke(1));
    }

    /** Both losses against iteration, from 0 to the highest loss seen; too little room and it is left out. */
    private static void drawLossChart(Graphics2D g, List<double[]> history, Rectangle chart) {
        int legend = g.getFontMetrics().getHeight();
        Rectangle plot = new Rectangle(chart.x, chart.y + legend, chart.width, chart.height - legend);
        if (plot.height < 16) {
            return;
        }
        double highest = 0;
        for (double[] row : history) {
            highest = Math.max(highest, Math.max(finiteOrZero(row[1]), finiteOrZero(row[2])));
        }
        double last = Math.max(1, history.get(history.size() - 1)[0]);
        double top = highest > 0 ? highest : 1;
        g.setColor(FRAME);
        g.drawRect(plot.x, plot.y, plot.width, plot.height);
        drawCurve(g, history, 1, TRAIN_CURVE, plot, last, top);
        drawCurve(g, history, 2, TEST_CURVE, plot, last, top);
        double[] now = history.get(history.size() - 1);
        int baseline = chart.y + g.getFontMetrics().getAscent();
        String test = String.format(Locale.ROOT, "test loss %.4f", now[2]);
        g.setColor(TEST_CURVE);
        g.drawString(test, plot.x, baseline);
        g.setColor(TRAIN_CURVE);
        g.drawString(String.format(Locale.ROOT, "train loss %.4f   (top %.3f)", now[1], top),
                plot.x + g.getFontMetrics().stringWidth(test + "   "), baseline);
    }

    /**
     * One loss column as a polyline, thinned to about two points per pixel so that long runs draw as fast as short
     * ones; non-finite losses (a diverged run) are drawn at the top.
     */
    private static void drawCurve(Graphics2D g, List<double[]> history, int column, Color color, Rectangle plot,
            double lastIteration, double top) {
        int stride = Math.max(1, history.size() / (2 * plot.width));
        Path2D.Double curve = new Path2D.Double();
        for (int i = 0; i < history.size(); i += stride) {
            moveOrLine(curve, history.get(i), column, plot, lastIteration, top);
        }
        moveOrLine(curve, history.get(history.size() - 1), column, plot, lastIteration, top);
        g.setColor(color);
        g.setStroke(new BasicStroke(1.5f));
        g.draw(curve);
        g.setStroke(new BasicStroke(1));
    }

    private static void moveOrLine(Path2D.Double curve, double[] row, int column, Rectangle plot,
            double lastIteration, double top) {
        double loss = Double.isFinite(row[column]) ? row[column] : top;
        double x = plot.x + row[0] / lastIteration * plot.width;
        double y = plot.y + plot.height - Math.min(1, loss / top) * plot.height;
        if (curve.getCurrentPoint() == null) {
            curve.moveTo(x, y);
        } else {
            curve.lineTo(x, y);
        }
    }

    private static double finiteOrZero(double v) {
        return Double.isFinite(v) ? v : 0;
    }
}
