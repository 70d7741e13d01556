package dev.heed.toolkit;

import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small networks for tests, and the bundled trained model. */
public final class TestModels {
    public static final Path BUNDLED_MODEL = Path.of("models/fashion-cnn.zip");
    public static final Path FASHION_SAMPLES = Path.of("samples/fashion-mnist");
    public static final Path PHOTOS = Path.of("samples/photos");

    private TestModels() {
    }

    public static Dl4jModel bundled() {
        try {
            return Dl4jModels.load(BUNDLED_MODEL, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A double-precision CNN with dropout and a BatchNorm whose running statistics are far from the identity, so that a
     * training-mode gradient would be visibly wrong.
     */
    public static MultiLayerNetwork cnnWithBatchNormAndDropout(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(4).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().name("bn1").activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().name("relu1").activation(Activation.SOFTPLUS).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(6).activation(Activation.SIGMOID).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(8).activation(Activation.TANH).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        randomizeBatchNormStatistics(net.getLayer("bn1"), seed);
        return net;
    }

    public static void randomizeBatchNormStatistics(org.deeplearning4j.nn.api.Layer bn, long seed) {
        Nd4j.getRandom().setSeed(seed);
        bn.setParam("gamma", Nd4j.rand(DataType.DOUBLE, bn.getParam("gamma").shape()).addi(0.5));
        bn.setParam("beta", Nd4j.rand(DataType.DOUBLE, bn.getParam("beta").shape()).subi(0.5));
        bn.setParam("mean", Nd4j.rand(DataType.DOUBLE, bn.getParam("mean").shape()).subi(0.5));
        String stdKey = bn.paramTable().containsKey("var") ? "var" : "log10stdev";
        INDArray stat = Nd4j.rand(DataType.DOUBLE, bn.getParam(stdKey).shape());
        bn.setParam(stdKey, stdKey.equals("var") ? stat.addi(0.2) : stat.muli(0.6).subi(0.3));
    }

    /** A two-branch graph joined by an add vertex, with BatchNorm on one branch: gradients must accumulate. */
    public static ComputationGraph residualGraph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("branch", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "stem")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), "branch")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem", "bn")
                .addLayer("act", new ActivationLayer.Builder().activation(Activation.SOFTPLUS).build(), "add")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "act")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(5, 5, 2))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        randomizeBatchNormStatistics(graph.getLayer("bn"), seed);
        return graph;
    }

    /**
     * The Grad-CAM test net, every weight set by hand: a 2x2 stride-2 convolution with two identity channels (all
     * weights 1 and all weights 2, no bias), global average pooling, and a dense output with
     * {@code W = [[1, -1], [0.5, 0.25]]} (rows: pooled channel, columns: class) and zero bias.
     */
    public static MultiLayerNetwork handBuiltCamNet() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .list()
                .layer(new ConvolutionLayer.Builder(2, 2).stride(2, 2).name("conv").nOut(2).activation(Activation.IDENTITY).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray convW = Nd4j.create(DataType.DOUBLE, 2, 1, 2, 2);
        convW.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(1.0);
        convW.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(2.0);
        net.getLayer(0).setParam("W", convW);
        net.getLayer(0).setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 2));
        net.getLayer(2).setParam("W", Nd4j.create(new double[][] {{1, -1}, {0.5, 0.25}}));
        net.getLayer(2).setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 2));
        return net;
    }

    /** A float32 RGB graph for 32x32 inputs, as a user might bring: conv, BatchNorm, ReLU, global pooling, output. */
    public static ComputationGraph smallRgbGraph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("image")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.IDENTITY).build(), "image")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("scores", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("scores")
                .setInputTypes(InputType.convolutional(32, 32, 3))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    public static ModelCard card(int c, int h, int w, int classes) {
        return new ModelCard(c, h, w, 1.0 / 255, java.util.stream.IntStream.range(0, classes).mapToObj(i -> "c" + i).toList());
    }

}
