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
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A small residual graph with everything the plan must get right at once: a stride-2 stem with Same padding on an odd
 * input, two BatchNorms with running statistics far from the identity (one storing log10 std, one the variance), an
 * add vertex, max and average pooling merged with it along the channels, asymmetric zero padding, a dropout layer, global
 * average pooling and a dense head.
 */
class ResidualGraphParityTest {
    private static final int[] SHAPE = {3, 11, 11};
    private static ComputationGraph graph;
    private static Dl4jModel oracle;
    private static CompiledPlan engine;
    private static HostTensor input;
    private static INDArray inputNd;

    static ComputationGraph residualGraph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).activation(Activation.IDENTITY).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().useLogStd(true).build(), "stem")
                .addLayer("stem_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem_bn")
                .addLayer("branch", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).build(), "stem_relu")
                .addLayer("branch_bn", new BatchNormalization.Builder().useLogStd(false).build(), "branch")
                .addLayer("branch_act", new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(), "branch_bn")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem_relu", "branch_act")
                .addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(1, 1).build(), "add")
                .addLayer("avgpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(1, 1).build(), "add")
                .addVertex("merge", new MergeVertex(), "add", "maxpool", "avgpool")
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 0, 0, 1).build(), "merge")
                .addLayer("head", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.TANH).build(), "pad")
                .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "head")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "drop")
                .addLayer("fc", new DenseLayer.Builder().nOut(5).activation(Activation.SIGMOID).build(), "gap")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(SHAPE[1], SHAPE[2], SHAPE[0]))
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        TestModels.randomizeBatchNormStatistics(g.getLayer("stem_bn"), seed);
        TestModels.randomizeBatchNormStatistics(g.getLayer("branch_bn"), seed + 1);
        return g;
    }

    @BeforeAll
    static void build() {
        graph = residualGraph(21);
        oracle = Dl4jModel.of(graph, TestModels.card(SHAPE[0], SHAPE[1], SHAPE[2], 4), "residual");
        engine = new CpuReferenceExecutor().compile(PlanCompiler.compile(graph, SHAPE));
        input = Parity.random(5, 3, SHAPE[0], SHAPE[1], SHAPE[2]);
        inputNd = Parity.nd(input, DataType.DOUBLE);
    }

    @AfterAll
    static void close() {
        engine.close();
        oracle.close();
    }

    @Test
    void thePlanHasTheExpectedOpsAndShapes() {
        Plan plan = engine.plan();
        assertArrayEquals(new int[] {6, 6, 6}, plan.capture("stem").shape(), "Same, stride 2 on 11: ceil(11 / 2)");
        assertArrayEquals(new int[] {18, 6, 6}, plan.capture("merge").shape());
        assertArrayEquals(new int[] {18, 7, 7}, plan.capture("pad").shape());
        assertArrayEquals(new int[] {8, 4, 4}, plan.capture("head").shape());
        assertEquals(plan.capture("head"), plan.capture("drop"), "dropout is the identity");
        assertEquals(2, plan.ops().stream().filter(op -> op instanceof Op.ChannelAffine).count(), "BatchNorm stays its own op");
        assertTrue(plan.ops().stream().noneMatch(op -> op instanceof Op.Activation a && a.layer().equals("out")), "softmax dropped");
        assertEquals(oracle.spatialLayers(), plan.spatialCaptures());
        assertEquals(graph.numParams() - 2 * (6 + 6), plan.parameterCount(), "each BatchNorm's four vectors fold into two");
    }

    @Test
    void logitsMatch() {
        INDArray expected = oracle.logits(inputNd);
        Parity.assertClose("residual logits", engine.logits(input), expected);
    }

    @Test
    void inputGradientMatches() {
        HostTensor weights = Parity.random(6, 3, 4);
        try (PlanPass pass = engine.forward(input, null)) {
            Parity.assertClose("residual input gradient", pass.backward(weights),
                    Parity.oracleGradient(oracle, inputNd, null, Parity.nd(weights, DataType.DOUBLE)));
        }
    }

    @Test
    void capturedLayerGradientsMatchInsideAndAfterTheResidualBlock() {
        HostTensor weights = Parity.random(7, 3, 4);
        for (String layer : List.of("stem_relu", "add", "merge", "head")) {
            try (PlanPass pass = engine.forward(input, layer)) {
                Parity.assertClose("residual capture " + layer, pass.captured(), Parity.oracleCapture(oracle, inputNd, layer));
                Parity.assertClose("residual gradient at " + layer, pass.backward(weights),
                        Parity.oracleGradient(oracle, inputNd, layer, Parity.nd(weights, DataType.DOUBLE)));
            }
        }
    }

    @Test
    void guidedInputGradientMatchesTheGuidedTwin() {
        HostTensor weights = Parity.random(8, 3, 4);
        try (PlanPass pass = engine.forward(input, null)) {
            Parity.assertClose("residual guided input gradient", pass.backward(weights, ReluGradient.GUIDED),
                    Parity.oracleGradient(oracle.guided(), inputNd, null, Parity.nd(weights, DataType.DOUBLE)));
        }
    }

    /**
     * Central differences of the double-precision DL4J forward pass (its backward plays no part), against the plan's
     * float32 backward pass: an oracle independent of how either side back-propagates.
     */
    @Test
    void inputGradientMatchesFiniteDifferencesOfTheForwardPass() {
        int size = SHAPE[0] * SHAPE[1] * SHAPE[2];
        HostTensor one = new HostTensor(new int[] {1, SHAPE[0], SHAPE[1], SHAPE[2]}, java.util.Arrays.copyOf(input.data(), size));
        HostTensor weights = new HostTensor(new int[] {1, 4}, new float[] {1, -0.5f, 0.25f, 2});
        INDArray w = Parity.nd(weights, DataType.DOUBLE);
        HostTensor analytic;
        try (PlanPass pass = engine.forward(one, null)) {
            analytic = pass.backward(weights);
        }
        // Every perturbed input in one batch: rows 2k and 2k+1 move pixel k up and down by h.
        double h = 1e-6;
        INDArray base = Parity.nd(one, DataType.DOUBLE).reshape(1, size);
        INDArray perturbed = base.repeat(0, 2 * size);
        for (int k = 0; k < size; k++) {
            perturbed.putScalar(2L * k, k, base.getDouble(k) + h);
            perturbed.putScalar(2L * k + 1, k, base.getDouble(k) - h);
        }
        INDArray scores = oracle.logits(perturbed.reshape(2L * size, SHAPE[0], SHAPE[1], SHAPE[2])).mmul(w.transpose());
        double[] numeric = new double[size];
        for (int k = 0; k < size; k++) {
            numeric[k] = (scores.getDouble(2L * k, 0) - scores.getDouble(2L * k + 1, 0)) / (2 * h);
        }
        Parity.assertClose("residual input gradient vs differences", analytic,
                org.nd4j.linalg.factory.Nd4j.create(numeric, new long[] {1, SHAPE[0], SHAPE[1], SHAPE[2]}, 'c'));
    }
}
