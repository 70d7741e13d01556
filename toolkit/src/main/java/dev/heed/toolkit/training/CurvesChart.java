package dev.heed.toolkit.training;

import dev.heed.toolkit.diagram.Scene;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * TensorBoard-style curves of a {@link TrainingHistory}, as a {@link Scene} (so SVG and PNG agree): the training
 * loss (raw and smoothed) with the validation loss per epoch, the gradient norm per layer and the update-to-parameter
 * ratio per layer with the 1e-3 rule of thumb; alerts as red lines through every panel and listed underneath.
 * Axes switch to a log scale when the values span more than a factor of 50.
 */
public final class CurvesChart {
    private static final double WIDTH = 900;
    private static final double PANEL_HEIGHT = 190;
    private static final double LEFT = 70;
    private static final double RIGHT = 170;
    private static final double TOP = 46;
    private static final double GAP = 46;
    private static final int ALERT = 0xd62728;
    private static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

    private record Series(String name, double[] xs, double[] ys, int colour, boolean markers, double width) { }

    private CurvesChart() {
    }

    public static Scene scene(TrainingHistory history, String title) {
        List<TrainingHistory.Step> steps = history.steps();
        List<Alert> alerts = history.alerts();
        List<TrainingHistory.Epoch> epochs = history.epochs().stream().filter(e -> Double.isFinite(e.validationLoss())).toList();
        // a validation pass is recorded after the last step of its epoch (iteration n, steps 0..n-1), so the x range
        // covers epochs and alerts as well as steps; otherwise the last validation point falls right of the frame
        double xMax = 1;
        for (TrainingHistory.Step s : steps) {
            xMax = Math.max(xMax, s.iteration());
        }
        for (TrainingHistory.Epoch e : epochs) {
            xMax = Math.max(xMax, e.iteration());
        }
        for (Alert a : alerts) {
            xMax = Math.max(xMax, a.iteration());
        }
        double height = TOP + 3 * (PANEL_HEIGHT + GAP) + 18 * alerts.size() + 20;
        Scene scene = new Scene(WIDTH, height);
        scene.add(new Scene.Text(LEFT, 24, title, 14, true, 0x222222, "start"));
        double[] iterations = steps.stream().mapToDouble(TrainingHistory.Step::iteration).toArray();
        double[] loss = steps.stream().mapToDouble(TrainingHistory.Step::loss).toArray();
        List<Series> lossSeries = new ArrayList<>();
        lossSeries.add(new Series("train loss", iterations, loss, 0xaec7e8, false, 1));
        double weight = smoothingWeight(loss.length);
        if (weight > 0) {
            lossSeries.add(new Series("train (smoothed)", iterations, smooth(loss, weight), 0x1f77b4, false, 1.8));
        }
        if (!epochs.isEmpty()) {
            int images = epochs.get(epochs.size() - 1).validationImages();
            lossSeries.add(new Series(images > 0 ? String.format(Locale.ROOT, "validation (%,d img)", images) : "validation loss",
                    epochs.stream().mapToDouble(TrainingHistory.Epoch::iteration).toArray(),
                    epochs.stream().mapToDouble(TrainingHistory.Epoch::validationLoss).toArray(), 0xff7f0e, true, 1.8));
        }
        double y = TOP;
        panel(scene, y, "loss", lossSeries, xMax, alerts, false);
        y += PANEL_HEIGHT + GAP;
        panel(scene, y, "gradient norm per layer", perLayer(steps, TrainingHistory.Step::gradientNorms), xMax, alerts, false);
        y += PANEL_HEIGHT + GAP;
        panel(scene, y, "update / parameter ratio per layer (dashed: 1e-3)", perLayer(steps, TrainingHistory.Step::updateRatios), xMax, alerts, true);
        y += PANEL_HEIGHT + GAP - 10;
        for (Alert a : alerts) {
            scene.add(new Scene.Text(LEFT, y, "▲ iteration " + a.iteration() + ": " + a.message(), 11, false, ALERT, "start"));
            y += 18;
        }
        return scene;
    }

    /**
     * TensorBoard's 0.9, lowered for short runs so the average's time constant ({@code 1 / (1 - weight)}) stays under a
     * twentieth of the run; 0 (no smoothed curve) below 20 iterations, where smoothing would only add lag.
     */
    static double smoothingWeight(int points) {
        return Math.max(0, Math.min(0.9, 1 - 20.0 / Math.max(1, points)));
    }

    private static List<Series> perLayer(List<TrainingHistory.Step> steps, Function<TrainingHistory.Step, Map<String, Double>> values) {
        Set<String> layers = new LinkedHashSet<>();
        steps.forEach(s -> layers.addAll(values.apply(s).keySet()));
        List<Series> out = new ArrayList<>();
        int k = 0;
        for (String layer : layers) {
            List<double[]> points = new ArrayList<>();
            for (TrainingHistory.Step s : steps) {
                Double v = values.apply(s).get(layer);
                if (v != null) {
                    points.add(new double[] {s.iteration(), v});
                }
            }
            out.add(new Series(layer, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray(),
                    PALETTE[k++ % PALETTE.length], false, 1.3));
        }
        return out;
    }

    /**
     * Exponential moving average with TensorBoard's debiasing: the average starts at 0 and is divided by
     * {@code 1 - weight^n}, so each point is a weighted mean of the values so far (never above their maximum) instead of
     * leaning on the first value. Non-finite values are skipped, not averaged in.
     */
    static double[] smooth(double[] values, double weight) {
        double[] out = new double[values.length];
        double last = 0;
        int counted = 0;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                last = weight * last + (1 - weight) * values[i];
                counted++;
                out[i] = last / (1 - Math.pow(weight, counted));
            } else {
                out[i] = Double.NaN;
            }
        }
        return out;
    }

    private static void panel(Scene scene, double top, String title, List<Series> series, double xMax, List<Alert> alerts,
                              boolean ruleOfThumb) {
        double plotWidth = WIDTH - LEFT - RIGHT;
        scene.add(new Scene.Text(LEFT, top - 8, title, 12, true, 0x333333, "start"));
        scene.add(new Scene.Rect(LEFT, top, plotWidth, PANEL_HEIGHT, 0, 0xfafafa, 0xbbbbbb, 1, null));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        boolean positive = true;
        for (Series s : series) {
            for (double v : s.ys()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                    positive &= v > 0;
                }
            }
        }
        if (ruleOfThumb) {
            lo = Math.min(lo, 1e-3);
            hi = Math.max(hi, 1e-3);
        }
        if (!Double.isFinite(lo)) {
            scene.add(new Scene.Text(LEFT + plotWidth / 2, top + PANEL_HEIGHT / 2, "no finite values", 11, false, 0x999999, "middle"));
            return;
        }
        boolean log = positive && hi / lo > 50;
        double yLo = log ? Math.log10(lo) : lo;
        double yHi = log ? Math.log10(hi) : hi;
        if (yHi - yLo < 1e-12) {
            yHi = yLo + 1;
        }
        double pad = (yHi - yLo) * 0.05;
        double a = yLo - pad;
        double b = yHi + pad;
        Function<Double, Double> sy = v -> top + PANEL_HEIGHT - ((log ? Math.log10(v) : v) - a) / (b - a) * PANEL_HEIGHT;
        // 2% to the right of the last iteration, so a validation marker there is drawn wholly inside the frame
        Function<Double, Double> sx = v -> LEFT + v / (xMax * 1.02) * plotWidth;
        double[] yTicks = log ? NiceTicks.log(Math.pow(10, a), Math.pow(10, b), 5) : NiceTicks.linear(a, b, 4);
        String[] yLabels = NiceTicks.labels(yTicks, log);
        for (int t = 0; t < yTicks.length; t++) {
            double yy = sy.apply(yTicks[t]);
            scene.add(new Scene.Line(new double[] {LEFT, LEFT + plotWidth}, new double[] {yy, yy}, 0xe5e5e5, 0.8, 1, false, null));
            scene.add(new Scene.Text(LEFT - 6, yy + 4, yLabels[t], 10, false, 0x555555, "end"));
        }
        double[] xTicks = NiceTicks.linear(0, xMax, 5);
        String[] xLabels = NiceTicks.labels(xTicks, false);
        for (int t = 0; t < xTicks.length; t++) {
            scene.add(new Scene.Text(sx.apply(xTicks[t]), top + PANEL_HEIGHT + 14, xLabels[t], 10, false, 0x555555, "middle"));
        }
        scene.add(new Scene.Text(LEFT + plotWidth, top + PANEL_HEIGHT + 28, "iteration", 10, false, 0x555555, "end"));
        if (log) {
            // the log scale is the y axis's: said above its tick labels, not under the iteration axis
            scene.add(new Scene.Text(LEFT - 6, top - 8, "log scale", 10, false, 0x555555, "end"));
        }
        if (ruleOfThumb) {
            double yy = sy.apply(1e-3);
            for (double x = LEFT; x < LEFT + plotWidth; x += 10) {
                scene.add(new Scene.Line(new double[] {x, Math.min(x + 5, LEFT + plotWidth)}, new double[] {yy, yy}, 0x444444, 1, 1, false, null));
            }
        }
        for (Alert alert : alerts) {
            double xx = sx.apply((double) alert.iteration());
            scene.add(new Scene.Line(new double[] {xx, xx}, new double[] {top, top + PANEL_HEIGHT}, ALERT, 1.2, 0.8, false, alert.message()));
            scene.add(new Scene.Text(xx + 3, top + 11, alert.kind().id(), 9, false, ALERT, "start"));
        }
        int legend = 0;
        for (Series s : series) {
            List<double[]> run = new ArrayList<>();
            for (int i = 0; i <= s.xs().length; i++) {
                boolean ok = i < s.xs().length && Double.isFinite(s.ys()[i]) && (!log || s.ys()[i] > 0);
                if (ok) {
                    run.add(new double[] {sx.apply(s.xs()[i]), sy.apply(s.ys()[i])});
                    if (s.markers()) {
                        scene.add(new Scene.Circle(run.get(run.size() - 1)[0], run.get(run.size() - 1)[1], 3, s.colour(), Scene.NONE, 0,
                                String.format(Locale.ROOT, "%s at iteration %.0f: %.4g", s.name(), s.xs()[i], s.ys()[i])));
                    }
                } else {
                    if (i < s.xs().length) {
                        scene.add(new Scene.Text(sx.apply(s.xs()[i]), top + 10, "×", 11, true, ALERT, "middle"));
                    }
                    if (run.size() > 1) {
                        scene.add(new Scene.Line(run.stream().mapToDouble(p -> p[0]).toArray(), run.stream().mapToDouble(p -> p[1]).toArray(),
                                s.colour(), s.width(), 1, false, s.name()));
                    }
                    run.clear();
                }
            }
            double ly = top + 12 + 16 * legend++;
            scene.add(new Scene.Line(new double[] {LEFT + plotWidth + 12, LEFT + plotWidth + 32}, new double[] {ly - 4, ly - 4}, s.colour(), 2.5, 1, false, null));
            scene.add(new Scene.Text(LEFT + plotWidth + 38, ly, s.name(), 10, false, 0x333333, "start"));
        }
    }
}
