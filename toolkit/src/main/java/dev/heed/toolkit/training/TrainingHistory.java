package dev.heed.toolkit.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a training run recorded, in order: one {@link Step} per iteration, one {@link Epoch} per validation, and the
 * alerts. Thread-safe for one writer (the training thread) and readers that take {@link #copy()} snapshots (a live view).
 */
public final class TrainingHistory {
    /** One iteration; maps are per layer and empty when not measured this iteration. */
    public record Step(long iteration, int epoch, double loss, Map<String, Double> gradientNorms,
                       Map<String, Double> updateRatios, Map<String, Double> activationMeans,
                       Map<String, Double> activationStds, Map<String, Double> deadFractions) { }

    /**
     * One validation pass at the end of an epoch; NaN where not measured. {@code validationImages} is the size of the
     * validation set (0 where unknown, as in logs written before it was recorded), so a reader can tell it from a test
     * accuracy measured on another number of images.
     */
    public record Epoch(int epoch, long iteration, double validationLoss, double validationAccuracy, int validationImages) {
        public Epoch(int epoch, long iteration, double validationLoss, double validationAccuracy) {
            this(epoch, iteration, validationLoss, validationAccuracy, 0);
        }
    }

    private final List<Step> steps = new ArrayList<>();
    private final List<Epoch> epochs = new ArrayList<>();
    private final List<Alert> alerts = new ArrayList<>();

    public synchronized void add(Step step) {
        steps.add(step);
    }

    public synchronized void add(Epoch epoch) {
        epochs.add(epoch);
    }

    public synchronized void add(Alert alert) {
        alerts.add(alert);
    }

    public synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    public synchronized List<Epoch> epochs() {
        return List.copyOf(epochs);
    }

    public synchronized List<Alert> alerts() {
        return List.copyOf(alerts);
    }

    /** A consistent snapshot for a reader on another thread. */
    public synchronized TrainingHistory copy() {
        TrainingHistory out = new TrainingHistory();
        out.steps.addAll(steps);
        out.epochs.addAll(epochs);
        out.alerts.addAll(alerts);
        return out;
    }
}
