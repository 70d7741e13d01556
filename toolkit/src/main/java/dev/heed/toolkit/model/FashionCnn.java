package dev.heed.toolkit.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The small CNN Heed trains on Fashion-MNIST and ships: two 3x3 convolution blocks (the second with BatchNorm), a
 * dense layer with dropout, softmax output. BatchNorm and dropout are there on purpose: they are what makes DL4J's
 * training-mode backprop wrong for saliency, so the shipped model exercises the inference-mode path.
 */
public final class FashionCnn {
    private FashionCnn() {
    }

    /** The two convolution blocks both variants share: conv-ReLU-pool, then conv-BatchNorm-ReLU-pool. */
    private static NeuralNetConfiguration.ListBuilder sharedBlocks(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool1").kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(64).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn2").activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().name("relu2").activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool2").kernelSize(2, 2).stride(2, 2).build());
    }

    /**
     * The localisation variant for 56x56 cluttered canvases: the shared blocks, a third 3x3 convolution kept at
     * 14x14 (the CAM layer), global average pooling and the softmax output, so its class evidence stays spatial.
     */
    public static MultiLayerNetwork buildForCanvases(long seed) {
        MultiLayerConfiguration conf = sharedBlocks(seed)
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv3").nOut(96).activation(Activation.RELU).build())
                .layer(new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(org.deeplearning4j.nn.conf.layers.PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("logits").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(56, 56, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    public static MultiLayerNetwork build(long seed) {
        MultiLayerConfiguration conf = sharedBlocks(seed)
                .layer(new DenseLayer.Builder().name("fc1").nOut(128).activation(Activation.RELU).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("logits").nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
