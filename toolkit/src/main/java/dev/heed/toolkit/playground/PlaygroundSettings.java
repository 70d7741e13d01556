package dev.heed.toolkit.playground;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Everything that defines a Playground run; two runs with equal settings train identically. The ranges are the
 * original's: noise 0..50 %, 0..6 hidden layers of 1..8 neurons, any non-empty set of features. Features are kept in
 * {@link Feature} order whatever order they are given in, so that the input column always reads the same way.
 *
 * @param noisePercent       label or position noise, 0..50, as in {@link PlaygroundDataset}
 * @param trainRatio         the share of the points trained on, strictly between 0 and 1
 * @param learningRate       the SGD step size, in the original's units (see {@link Playground})
 * @param regularizationRate the L1 or L2 coefficient, ignored with {@link Regularization#NONE}
 * @param hiddenLayers       neurons per hidden layer, input side first
 */
public record PlaygroundSettings(
        PlaygroundDataset dataset,
        int noisePercent,
        double trainRatio,
        int batchSize,
        double learningRate,
        Activation activation,
        Regularization regularization,
        double regularizationRate,
        List<Integer> hiddenLayers,
        List<Feature> features,
        long seed) {

    public static final int MAX_HIDDEN_LAYERS = 6;
    public static final int MAX_NEURONS = 8;

    /** The activation of every hidden neuron; the output neuron is always tanh. */
    public enum Activation {
        TANH(org.nd4j.linalg.activations.Activation.TANH),
        RELU(org.nd4j.linalg.activations.Activation.RELU),
        SIGMOID(org.nd4j.linalg.activations.Activation.SIGMOID),
        LINEAR(org.nd4j.linalg.activations.Activation.IDENTITY);

        private final org.nd4j.linalg.activations.Activation dl4j;

        Activation(org.nd4j.linalg.activations.Activation dl4j) {
            this.dl4j = dl4j;
        }

        /** The DL4J activation that computes it. */
        public org.nd4j.linalg.activations.Activation dl4j() {
            return dl4j;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The weight penalty; as in the original it applies to weights, not biases. */
    public enum Regularization {
        NONE,
        L1,
        L2
    }

    public PlaygroundSettings {
        if (dataset == null || activation == null || regularization == null) {
            throw new IllegalArgumentException("dataset, activation and regularization must be given");
        }
        if (noisePercent < 0 || noisePercent > PlaygroundDataset.MAX_NOISE) {
            throw new IllegalArgumentException("noise must be 0.." + PlaygroundDataset.MAX_NOISE + " %, got "
                    + noisePercent);
        }
        if (!(trainRatio > 0 && trainRatio < 1)) {
            throw new IllegalArgumentException("train ratio must lie strictly between 0 and 1, got " + trainRatio);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        if (!(regularizationRate >= 0) || Double.isInfinite(regularizationRate)) {
            throw new IllegalArgumentException("regularization rate must be >= 0 and finite, got "
                    + regularizationRate);
        }
        hiddenLayers = List.copyOf(hiddenLayers);
        if (hiddenLayers.size() > MAX_HIDDEN_LAYERS
                || hiddenLayers.stream().anyMatch(n -> n < 1 || n > MAX_NEURONS)) {
            throw new IllegalArgumentException("need 0.." + MAX_HIDDEN_LAYERS + " hidden layers of 1.." + MAX_NEURONS
                    + " neurons, got " + hiddenLayers);
        }
        if (features.isEmpty() || new HashSet<>(features).size() != features.size()) {
            throw new IllegalArgumentException("need at least one feature and none twice, got " + features);
        }
        features = features.stream().sorted().toList();
    }

    /**
     * The original's opening state: circle, no noise, half the points for training, batch 10, learning rate 0.03,
     * tanh, no regularisation, hidden layers [4, 2], features X1 and X2; seed 1.
     */
    public static PlaygroundSettings defaults() {
        return new PlaygroundSettings(PlaygroundDataset.CIRCLE, 0, 0.5, 10, 0.03, Activation.TANH,
                Regularization.NONE, 0, List.of(4, 2), List.of(Feature.X1, Feature.X2), 1L);
    }

    public PlaygroundSettings withDataset(PlaygroundDataset value) {
        return new PlaygroundSettings(value, noisePercent, trainRatio, batchSize, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withNoisePercent(int value) {
        return new PlaygroundSettings(dataset, value, trainRatio, batchSize, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withTrainRatio(double value) {
        return new PlaygroundSettings(dataset, noisePercent, value, batchSize, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withBatchSize(int value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, value, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withLearningRate(double value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, value, activation,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withActivation(Activation value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, learningRate, value,
                regularization, regularizationRate, hiddenLayers, features, seed);
    }

    /** The penalty and its rate together, since one is meaningless without the other. */
    public PlaygroundSettings withRegularization(Regularization value, double rate) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, learningRate, activation,
                value, rate, hiddenLayers, features, seed);
    }

    public PlaygroundSettings withHiddenLayers(List<Integer> value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, learningRate, activation,
                regularization, regularizationRate, value, features, seed);
    }

    public PlaygroundSettings withFeatures(List<Feature> value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, value, seed);
    }

    public PlaygroundSettings withSeed(long value) {
        return new PlaygroundSettings(dataset, noisePercent, trainRatio, batchSize, learningRate, activation,
                regularization, regularizationRate, hiddenLayers, features, value);
    }
}
