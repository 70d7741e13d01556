package dev.heed.toolkit.training;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Watches the per-iteration numbers and raises {@link Alert}s. Each rule fires once, then stays quiet for
 * {@link Settings#cooldown()} iterations, so a log shows where trouble starts rather than one line per iteration.
 *
 * <ul>
 *   <li>divergence: a non-finite loss, or the mean loss of the last {@code window} iterations above
 *       {@code riseFactor} times the best such mean seen so far;</li>
 *   <li>exploding gradients: the total gradient norm above {@code spikeFactor} times the median of the previous
 *       {@code window} norms;</li>
 *   <li>vanishing gradients: a layer whose gradient norm stayed below {@code vanishingNorm} for {@code window}
 *       iterations;</li>
 *   <li>dead units: a layer where more than {@code deadFraction} of the units output zero for the whole batch;</li>
 *   <li>plateau: the mean loss of the last {@code plateauWindow} iterations within {@code plateauTolerance}
 *       (relative) of the mean of the {@code plateauWindow} before.</li>
 * </ul>
 */
public final class Alarms {
    /** The thresholds; {@link #DEFAULTS} follow common rules of thumb. */
    public record Settings(int window, double riseFactor, double spikeFactor, double vanishingNorm, double deadFraction,
                           int plateauWindow, double plateauTolerance, int cooldown) {
        public static final Settings DEFAULTS = new Settings(20, 1.5, 10, 1e-7, 0.5, 200, 0.005, 200);
    }

    private final Settings s;
    private final Deque<Double> losses = new ArrayDeque<>();
    private final Deque<Double> norms = new ArrayDeque<>();
    private final Map<String, Integer> quietLayers = new java.util.HashMap<>();
    private final Map<Alert.Kind, Long> lastFired = new EnumMap<>(Alert.Kind.class);
    private double bestWindowMean = Double.POSITIVE_INFINITY;

    public Alarms(Settings settings) {
        this.s = settings;
    }

    /**
     * Checks one iteration. {@code gradientNorms} and {@code deadFractions} are per layer and may be empty (not
     * measured this iteration).
     */
    public List<Alert> check(long iteration, double loss, Map<String, Double> gradientNorms, Map<String, Double> deadFractions) {
        List<Alert> out = new ArrayList<>();
        checkLoss(iteration, loss, out);
        checkGradients(iteration, gradientNorms, out);
        deadFractions.forEach((layer, fraction) -> {
            if (fraction > s.deadFraction()) {
                fire(out, iteration, Alert.Kind.DEAD_UNITS, String.format(Locale.ROOT,
                        "dead units: %.0f%% of layer %s's units output zero for the whole batch", 100 * fraction, layer));
            }
        });
        return out;
    }

    private void checkLoss(long iteration, double loss, List<Alert> out) {
        if (!Double.isFinite(loss)) {
            fire(out, iteration, Alert.Kind.DIVERGENCE, "divergence: the loss is " + loss + " at iteration " + iteration
                    + " (lower the learning rate, clip gradients, check the inputs for NaN)");
            return;
        }
        losses.addLast(loss);
        while (losses.size() > 2 * s.plateauWindow()) {
            losses.removeFirst();
        }
        if (losses.size() >= s.window()) {
            double recent = mean(last(losses, s.window()));
            if (recent > s.riseFactor() * bestWindowMean) {
                fire(out, iteration, Alert.Kind.DIVERGENCE, String.format(Locale.ROOT,
                        "divergence: the mean loss of the last %d iterations (%.4g) is %.1fx its best (%.4g)",
                        s.window(), recent, recent / bestWindowMean, bestWindowMean));
            }
            bestWindowMean = Math.min(bestWindowMean, recent);
        }
        if (losses.size() >= 2 * s.plateauWindow()) {
            double[] all = losses.stream().mapToDouble(Double::doubleValue).toArray();
            double before = mean(Arrays.copyOfRange(all, 0, s.plateauWindow()));
            double after = mean(Arrays.copyOfRange(all, s.plateauWindow(), all.length));
            if (Math.abs(before - after) <= s.plateauTolerance() * Math.abs(before)) {
                fire(out, iteration, Alert.Kind.PLATEAU, String.format(Locale.ROOT,
                        "plateau: the mean loss moved %.2f%% over the last %d iterations (%.4g -> %.4g)",
                        100 * (after - before) / before, s.plateauWindow(), before, after));
            }
        }
    }

    private void checkGradients(long iteration, Map<String, Double> gradientNorms, List<Alert> out) {
        if (gradientNorms.isEmpty()) {
            return;
        }
        double total = Math.sqrt(gradientNorms.values().stream().mapToDouble(v -> v * v).sum());
        if (norms.size() >= s.window()) {
            double median = median(norms);
            if (total > s.spikeFactor() * median || !Double.isFinite(total)) {
                fire(out, iteration, Alert.Kind.EXPLODING_GRADIENTS, String.format(Locale.ROOT,
                        "exploding gradients: the gradient norm %.4g is %.0fx the median of the last %d iterations (%.4g)",
                        total, total / median, s.window(), median));
            }
        }
        if (Double.isFinite(total)) {
            norms.addLast(total);
            while (norms.size() > s.window()) {
                norms.removeFirst();
            }
        }
        gradientNorms.forEach((layer, norm) -> {
            int quiet = norm < s.vanishingNorm() ? quietLayers.getOrDefault(layer, 0) + 1 : 0;
            quietLayers.put(layer, quiet);
            if (quiet >= s.window()) {
                fire(out, iteration, Alert.Kind.VANISHING_GRADIENTS, String.format(Locale.ROOT,
                        "vanishing gradients: layer %s's gradient norm stayed below %.0e for %d iterations", layer, s.vanishingNorm(), quiet));
            }
        });
    }

    private void fire(List<Alert> out, long iteration, Alert.Kind kind, String message) {
        Long last = lastFired.get(kind);
        if (last != null && iteration - last < s.cooldown()) {
            return;
        }
        lastFired.put(kind, iteration);
        out.add(new Alert(iteration, kind, message));
    }

    private static double[] last(Deque<Double> values, int count) {
        double[] all = values.stream().mapToDouble(Double::doubleValue).toArray();
        return Arrays.copyOfRange(all, all.length - count, all.length);
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double median(Deque<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
