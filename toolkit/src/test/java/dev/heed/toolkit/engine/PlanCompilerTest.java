package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.FashionCnn;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Compiler cases beyond the parity networks: frozen layers, a loss-layer output, the caller's network left alone. */
class PlanCompilerTest {

    @Test
    void frozenLayersOfATransferLearnedNetworkCompileToTheirInnerLayers() {
        MultiLayerNetwork transferred = new TransferLearning.Builder(FashionCnn.build(4)).setFeatureExtractor(3).build();
        assertTrue(transferred.getLayer(0) instanceof org.deeplearning4j.nn.layers.FrozenLayer);
        Dl4jModel oracle = Dl4jModel.of(transferred, TestModels.card(1, 28, 28, 10), "frozen");
        HostTensor x = Parity.random(2, 2, 1, 28, 28);
        HostTensor weights = Parity.random(3, 2, 10);
        INDArray xNd = Parity.nd(x, DataType.FLOAT);
        try (CompiledPlan engine = new CpuReferenceExecutor().compile(PlanCompiler.compile(transferred, 1, 28, 28));
             PlanPass pass = engine.forward(x, null)) {
            Parity.assertClose("frozen logits", pass.logits(), oracle.logits(xNd));
            Parity.assertClose("frozen input gradient", pass.backward(weights),
                    Parity.oracleGradient(oracle, xNd, null, Parity.nd(weights, DataType.FLOAT)));
        }
        oracle.close();
    }

    /** A LossLayer has no weights: its input is the logits, and its softmax is dropped. Max global pooling on the way. */
    @Test
    void aLossLayerOutputTakesItsInputAsTheLogits() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(6).dataType(DataType.DOUBLE)
                .convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).activation(Activation.LEAKYRELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).name("gmp").build())
                .layer(new DenseLayer.Builder().name("scores").nOut(3).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder().name("loss").activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 5, 2)).build());
        net.init();
        Plan plan = PlanCompiler.compile(net, 2, 6, 5);
        assertEquals(plan.capture("scores"), plan.output(), "the logits are the loss layer's input");
        assertTrue(plan.ops().get(plan.ops().size() - 1) instanceof Op.Dense);
        HostTensor x = Parity.random(8, 3, 2, 6, 5);
        try (CompiledPlan engine = new CpuReferenceExecutor().compile(plan)) {
            INDArray probabilities = Transforms.softmax(Parity.nd(engine.logits(x), DataType.DOUBLE));
            Parity.assertClose("loss-layer softmax of logits", Parity.host(probabilities), net.output(Parity.nd(x, DataType.DOUBLE)));
        }
    }

    @Test
    void compilingLeavesTheNetworkUntouchedAndCopiesItsWeights() {
        MultiLayerNetwork net = FashionCnn.build(2);
        INDArray before = net.params().dup();
        Plan plan = PlanCompiler.compile(net, 1, 28, 28);
        assertEquals(before, net.params());
        Op.Conv2d conv1 = (Op.Conv2d) plan.ops().get(0);
        float first = conv1.weight().get(0);
        net.getLayer(0).getParam("W").muli(2);
        assertEquals(first, conv1.weight().get(0), "the plan holds a copy, not a view of DL4J's parameters");
        assertArrayEquals(new int[] {32, 1, 3, 3}, conv1.weight().shape(), "OIHW");
        Op.Dense fc1 = plan.ops().stream().filter(op -> op instanceof Op.Dense d && d.layer().equals("fc1"))
                .map(Op.Dense.class::cast).findFirst().orElseThrow();
        assertArrayEquals(new int[] {128, 64 * 7 * 7}, fc1.weight().shape(), "[out][in]");
        assertEquals(net.getLayer("fc1").getParam("W").getFloat(5, 3), fc1.weight().get(3 * 64 * 7 * 7 + 5), "transposed from DL4J's [in][out]");
    }
}
