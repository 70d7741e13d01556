package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.Dl4jModel;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Convolution and pooling windows on an odd-sized input (9 x 7), in DL4J's Same and Truncate modes, with strides,
 * explicit padding, dilation and both average-pooling divisors: the plan's shapes, logits and input gradients against
 * the DL4J twin.
 */
class PaddingModesParityTest {
    private static final int[] SHAPE = {2, 9, 7};

    @ParameterizedTest(name = "conv {0} s{1} p{2} d{3}, {4} pool {9} k{5} s{6} p{7} countPad={8}")
    @CsvSource({
            "Truncate, 2, 1, 1, AVG, 3, 2, 1, true,  Truncate",
            "Truncate, 1, 0, 2, MAX, 2, 2, 0, false, Truncate",
            "Same,     2, 0, 2, AVG, 3, 2, 0, false, Same",
            "Same,     3, 0, 1, MAX, 3, 2, 0, false, Same",
            "Same,     1, 0, 1, AVG, 2, 2, 0, true,  Same",
            "Truncate, 3, 2, 1, AVG, 2, 1, 1, false, Truncate",
            "Same,     2, 0, 3, MAX, 2, 1, 0, false, Same"
    })
    void logitsAndInputGradientsMatch(ConvolutionMode convMode, int convStride, int convPad, int dilation,
                                      SubsamplingLayer.PoolingType pooling, int poolKernel, int poolStride, int poolPad,
                                      boolean countPadding, ConvolutionMode poolMode) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(9).dataType(DataType.DOUBLE).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(3).stride(convStride, convStride)
                        .padding(convPad, convPad).dilation(dilation, dilation).convolutionMode(convMode)
                        .activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(pooling).name("pool").kernelSize(poolKernel, poolKernel)
                        .stride(poolStride, poolStride).padding(poolPad, poolPad).convolutionMode(poolMode)
                        .avgPoolIncludePadInDivisor(countPadding).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(6).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder().name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(SHAPE[1], SHAPE[2], SHAPE[0])).build());
        net.init();
        Dl4jModel oracle = Dl4jModel.of(net, TestModels.card(SHAPE[0], SHAPE[1], SHAPE[2], 3), "padding");
        Plan plan = PlanCompiler.compile(net, SHAPE);
        HostTensor x = Parity.random(3, 2, SHAPE[0], SHAPE[1], SHAPE[2]);
        INDArray xNd = Parity.nd(x, DataType.DOUBLE);
        HostTensor weights = Parity.random(4, 2, 3);
        String label = convMode + " s" + convStride + " p" + convPad + " d" + dilation + " / " + pooling + " " + poolMode;
        try (CompiledPlan engine = new CpuReferenceExecutor().compile(plan); PlanPass pass = engine.forward(x, "pool")) {
            INDArray pooled = Parity.oracleCapture(oracle, xNd, "pool");
            assertArrayEquals(Parity.host(pooled).shape(), pass.captured().shape(), "pooled shape");
            Parity.assertClose(label + " pooled", pass.captured(), pooled);
            Parity.assertClose(label + " logits", pass.logits(), oracle.logits(xNd));
        }
        try (CompiledPlan engine = new CpuReferenceExecutor().compile(plan); PlanPass pass = engine.forward(x, null)) {
            Parity.assertClose(label + " input gradient", pass.backward(weights),
                    Parity.oracleGradient(oracle, xNd, null, Parity.nd(weights, DataType.DOUBLE)));
        }
        oracle.close();
    }
}
