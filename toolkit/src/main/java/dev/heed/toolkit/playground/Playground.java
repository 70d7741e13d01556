package dev.heed.toolkit.playground;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The training state of one Playground run: the data, a DL4J {@link MultiLayerNetwork} and where training has got to.
 * It holds no drawing code; {@link PlaygroundFrame} draws it and a viewer may drive it. Not thread-safe: step it and
 * read it from one thread at a time.
 *
 * <p>The network is the original's: one dense layer per hidden layer with the chosen activation, then a single tanh
 * output neuron trained towards the labels -1 and +1 with the squared error, weights drawn uniformly from
 * [-0.5, 0.5], biases starting at 0.1, plain SGD on mini-batches whose gradients are averaged, and L1 or L2 on the
 * weights only. Losses are the original's too: the mean over points of ½ (output − label)². Unlike the original, where
 * one "step" is a whole epoch, {@link #step()} is one mini-batch; an epoch is one pass over the training points in an
 * order reshuffled every epoch. And unlike the original, L1 does not set a weight that crosses zero to zero.
 *
 * <p>Everything random (points, initial weights, batch order) follows from the settings' seed, so equal settings and
 * equal step counts give identical losses.
 */
public final class Playground {

    /** Mixed into the seed so that the batch order is not drawn from the same stream as the points. */
    private static final long ORDER_SALT = 0x5DEECE66DL;
    /** Weights start uniform in [-0.5, 0.5] and biases at 0.1, as in the original. */
    private static final double INIT_WEIGHT = 0.5;
    private static final double INIT_BIAS = 0.1;

    private final PlaygroundSettings settings;
    private final PlaygroundDataset.Split data;
    /** Kept as Java arrays: copying a batch from here costs less than gathering its rows from an INDArray. */
    private final double[][] trainFeatures;
    private final double[] trainLabels;
    /** Train rows then test rows, so that both losses come from one forward pass. */
    private final INDArray scoredFeatures;
    private final double[] scoredLabels;
    private final List<double[]> history = new ArrayList<>();
    private MultiLayerNetwork net;
    private Random orderRandom;
    private int[] order;
    private int cursor;
    private long iteration;
    private int epoch;

    private Playground(PlaygroundSettings settings) {
        this.settings = settings;
        this.data = settings.dataset().split(settings.noisePercent(), settings.trainRatio(), settings.seed());
        this.trainFeatures = featureValues(data.train(), settings.features());
        this.trainLabels = data.train().stream().mapToDouble(PlaygroundDataset.Point::label).toArray();
        List<PlaygroundDataset.Point> scored = new ArrayList<>(data.train());
        scored.addAll(data.test());
        this.scoredFeatures = Nd4j.create(featureValues(scored, settings.features()));
        this.scoredLabels = scored.stream().mapToDouble(PlaygroundDataset.Point::label).toArray();
    }

    /** A fresh run at iteration 0, its data generated and its network initialised from the settings' seed. */
    public static Playground create(PlaygroundSettings settings) {
        Playground playground = new Playground(settings);
        playground.reset();
        return playground;
    }

    /** Back to iteration 0 with the same initial weights, batch order and data: the run starts over identically. */
    public void reset() {
        net = buildNetwork(settings);
        orderRandom = new Random(settings.seed() ^ ORDER_SALT);
        order = new int[data.train().size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        shuffleOrder();
        cursor = 0;
        iteration = 0;
        epoch = 0;
        history.clear();
        recordLosses();
    }

    /**
     * One SGD update on the next mini-batch of the epoch's order; the last batch of an epoch is smaller when the
     * batch size does not divide the training set. The losses are recorded after every step.
     */
    public void step() {
        int end = Math.min(cursor + settings.batchSize(), order.length);
        double[][] features = new double[end - cursor][];
        double[][] labels = new double[end - cursor][];
        for (int i = cursor; i < end; i++) {
            features[i - cursor] = trainFeatures[order[i]];
            labels[i - cursor] = new double[] {trainLabels[order[i]]};
        }
        net.fit(Nd4j.create(features), Nd4j.create(labels));
        cursor = end;
        iteration++;
        if (cursor == order.length) {
            epoch++;
            cursor = 0;
            shuffleOrder();
        }
        recordLosses();
    }

    /** {@code count} calls of {@link #step()}. */
    public void steps(int count) {
        for (int i = 0; i < count; i++) {
            step();
        }
    }

    /** Mini-batch updates made since the start. */
    public long iteration() {
        return iteration;
    }

    /** Complete passes over the training points made since the start. */
    public int epoch() {
        return epoch;
    }

    /** Mean ½ (output − label)² over the training points, now. */
    public double trainLoss() {
        return history.get(history.size() - 1)[1];
    }

    /** Mean ½ (output − label)² over the test points, now. */
    public double testLoss() {
        return history.get(history.size() - 1)[2];
    }

    /**
     * One {iteration, train loss, test loss} row per step, starting with iteration 0, oldest first. A copy: later
     * steps do not change it and changing it does not change the run.
     */
    public List<double[]> lossHistory() {
        List<double[]> copy = new ArrayList<>(history.size());
        for (double[] row : history) {
            copy.add(row.clone());
        }
        return copy;
    }

    /** A copy of the network as it stands, for drawing or saving; training goes on with the original. */
    public MultiLayerNetwork network() {
        return net.clone();
    }

    public PlaygroundSettings settings() {
        return settings;
    }

    public PlaygroundDataset.Split data() {
        return data;
    }

    /** Neurons per column of the network drawing: the features, each hidden layer, then the one output neuron. */
    public int[] layerWidths() {
        List<Integer> hidden = settings.hiddenLayers();
        int[] widths = new int[hidden.size() + 2];
        widths[0] = settings.features().size();
        for (int i = 0; i < hidden.size(); i++) {
            widths[i + 1] = hidden.get(i);
        }
        widths[widths.length - 1] = 1;
        return widths;
    }

    /**
     * The weights from column {@code layer} of {@link #layerWidths()} into column {@code layer + 1}, indexed
     * [from neuron][to neuron]; a copy.
     */
    public double[][] weights(int layer) {
        return net.getLayer(layer).getParam(DefaultParamInitializer.WEIGHT_KEY).toDoubleMatrix();
    }

    /** The network's output, in [-1, 1], at the point (x1, x2); the sign is the predicted class. */
    public double output(double x1, double x2) {
        double[][] row = {featureRow(x1, x2, settings.features())};
        return net.output(Nd4j.create(row), false).getDouble(0);
    }

    /**
     * Every neuron's activation over a {@code resolution}² grid of cell centres covering [-6, 6]²: one map per
     * neuron, in {@link #layerWidths()} order (features first, then each hidden layer, the output last), each
     * row-major with the top row at x2 = +6 and the left column at x1 = -6, as the picture shows them. The features'
     * maps are the feature values themselves. All maps come from one batched forward pass.
     */
    public float[][] neuronMaps(int resolution) {
        if (resolution < 1) {
            throw new IllegalArgumentException("resolution must be at least 1, got " + resolution);
        }
        List<INDArray> activations = net.feedForward(gridFeatures(resolution), false);
        List<float[]> maps = new ArrayList<>();
        for (INDArray layer : activations) {
            for (float[] neuron : layer.transpose().toFloatMatrix()) {
                maps.add(neuron);
            }
        }
        return maps.toArray(new float[0][]);
    }

    /** The feature rows of the grid's cell centres, row-major from the top-left corner. */
    private INDArray gridFeatures(int resolution) {
        double cell = 2 * PlaygroundDataset.EXTENT / resolution;
        double[][] rows = new double[resolution * resolution][];
        for (int row = 0; row < resolution; row++) {
            double x2 = PlaygroundDataset.EXTENT - (row + 0.5) * cell;
            for (int column = 0; column < resolution; column++) {
                double x1 = -PlaygroundDataset.EXTENT + (column + 0.5) * cell;
                rows[row * resolution + column] = featureRow(x1, x2, settings.features());
            }
        }
        return Nd4j.create(rows);
    }

    private void recordLosses() {
        double[] outputs = net.output(scoredFeatures, false).toDoubleVector();
        int trainCount = data.train().size();
        double train = 0;
        double test = 0;
        for (int i = 0; i < outputs.length; i++) {
            double error = outputs[i] - scoredLabels[i];
            if (i < trainCount) {
                train += 0.5 * error * error;
            } else {
                test += 0.5 * error * error;
            }
        }
        history.add(new double[] {iteration, train / trainCount, test / (outputs.length - trainCount)});
    }

    /** Fisher–Yates with the run's own generator, so the order depends on the seed alone. */
    private void shuffleOrder() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = orderRandom.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /**
     * DL4J's MSE for one output is (output − label)², whose gradient is twice that of the original's
     * ½ (output − label)². Halving the learning rate makes each data step the original's; the regulariser's gradient
     * is not doubled, so its coefficient is doubled to keep the original's weight-decay step of rate × lr × w.
     */
    private static MultiLayerNetwork buildNetwork(PlaygroundSettings s) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(s.seed())
                .dataType(DataType.DOUBLE)
                .updater(new Sgd(s.learningRate() / 2))
                .weightInit(new UniformDistribution(-INIT_WEIGHT, INIT_WEIGHT))
                .biasInit(INIT_BIAS)
                .trainingWorkspaceMode(WorkspaceMode.NONE)
                .inferenceWorkspaceMode(WorkspaceMode.NONE);
        switch (s.regularization()) {
            case L1 -> builder.l1(2 * s.regularizationRate());
            case L2 -> builder.l2(2 * s.regularizationRate());
            case NONE -> { }
        }
        NeuralNetConfiguration.ListBuilder layers = builder.list();
        for (int width : s.hiddenLayers()) {
            layers.layer(new DenseLayer.Builder().nOut(width).activation(s.activation().dl4j()).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(1).activation(Activation.TANH)
                .build());
        layers.setInputType(InputType.feedForward(s.features().size()));
        MultiLayerNetwork network = new MultiLayerNetwork(layers.build());
        network.init();
        return network;
    }

    private static double[][] featureValues(List<PlaygroundDataset.Point> points, List<Feature> features) {
        return points.stream().map(p -> featureRow(p.x1(), p.x2(), features)).toArray(double[][]::new);
    }

    private static double[] featureRow(double x1, double x2, List<Feature> features) {
        return features.stream().mapToDouble(f -> f.apply(x1, x2)).toArray();
    }
}
