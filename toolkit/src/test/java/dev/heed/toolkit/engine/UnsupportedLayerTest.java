package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

/** What the plan cannot express fails with one exception type whose message names the layer and its type. */
class UnsupportedLayerTest {

    /** A 1x8x8 image through {@code middle} (named "suspect"), global average pooling and a dense output. */
    private static MultiLayerNetwork cnnWith(Layer middle) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(2).activation(Activation.RELU).build())
                .layer(middle)
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build())
                .layer(new OutputLayer.Builder().name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build());
        net.init();
        return net;
    }

    private static UnsupportedLayerException refusal(MultiLayerNetwork net) {
        return assertThrows(UnsupportedLayerException.class, () -> PlanCompiler.compile(net, 1, 8, 8));
    }

    @Test
    void aSeparableConvolutionIsNamedWithItsType() {
        UnsupportedLayerException e = refusal(cnnWith(new SeparableConvolution2D.Builder(3, 3).name("suspect").nOut(2).build()));
        assertEquals("layer 'suspect' (SeparableConvolution2D) is not supported by Heed's engine", e.getMessage());
        assertEquals("suspect", e.layer());
        assertEquals("SeparableConvolution2D", e.type());
    }

    @Test
    void anLstmIsNamedWithItsType() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new LSTM.Builder().name("lstm1").nIn(4).nOut(5).build())
                .layer(new RnnOutputLayer.Builder().name("out").nIn(5).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> PlanCompiler.compile(net, 4));
        assertEquals("layer 'lstm1' (LSTM) is not supported by Heed's engine", e.getMessage());
    }

    @Test
    void anUnsupportedActivationNamesTheLayerAndTheFunction() {
        UnsupportedLayerException e = refusal(cnnWith(new ActivationLayer.Builder().name("suspect").activation(Activation.SOFTPLUS).build()));
        assertEquals("suspect", e.layer());
        assertEquals("ActivationLayer", e.type());
        assertEquals("layer 'suspect' (ActivationLayer) has activation softplus, which is not supported by Heed's engine "
                + "(identity, relu, leakyrelu, sigmoid and tanh are)", e.getMessage());
    }

    @Test
    void aSoftmaxBeforeTheOutputIsRefused() {
        UnsupportedLayerException e = refusal(cnnWith(new ActivationLayer.Builder().name("suspect").activation(Activation.SOFTMAX).build()));
        assertEquals("layer 'suspect' (ActivationLayer) has a softmax activation, which Heed's engine supports only on the "
                + "output layer (where it is dropped: scores are logits)", e.getMessage());
    }

    @Test
    void pnormPoolingIsRefused() {
        UnsupportedLayerException e = refusal(cnnWith(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.PNORM).pnorm(2)
                .name("suspect").kernelSize(2, 2).stride(2, 2).build()));
        assertEquals("layer 'suspect' (SubsamplingLayer) with PNORM pooling is not supported by Heed's engine (max and average are)",
                e.getMessage());
    }

    @Test
    void aProductVertexIsRefused() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).nOut(2).build(), "in")
                .addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "a", "b")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "product")
                .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(8, 8, 1)).build());
        graph.init();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> PlanCompiler.compile(graph, 1, 8, 8));
        assertEquals("layer 'product' (ElementWiseVertex) with op Product is not supported by Heed's engine (only Add is)", e.getMessage());
    }
}
