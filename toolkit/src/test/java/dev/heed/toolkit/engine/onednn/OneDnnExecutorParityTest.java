package dev.heed.toolkit.engine.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.Parity;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.onnx.OnnxPlanImporter;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The oneDNN executor against the plain-Java reference executor: logits, captures and gradients (standard and guided,
 * to the input and to every spatial capture point) within 1e-4 of the largest magnitude, on the bundled CNN, the
 * residual graph, a hand-built plan that holds every op and window variant, and the committed torch exports (whose
 * logits and input gradients are also checked against torch's own).
 */
class OneDnnExecutorParityTest {

    /** Everything one plan gives on both executors, compared, at {@code targets} (null: the input). */
    private static void compare(String name, Plan plan, HostTensor input, List<String> targets) {
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan onednn = new OneDnnExecutor().compile(plan)) {
            assertEquals("onednn", onednn.executor());
            int classes = plan.numClasses();
            float[] weights = new float[input.batch() * classes];
            for (int b = 0; b < input.batch(); b++) {
                weights[b * classes + (b * 3) % classes] = 1;   // a different class per image, as Grad-CAM asks
                weights[b * classes + (b * 3 + 1) % classes] = -0.5f;
            }
            HostTensor scoreWeights = new HostTensor(new int[] {input.batch(), classes}, weights);
            for (String layer : targets) {
                try (PlanPass expected = reference.forward(input, layer); PlanPass actual = onednn.forward(input, layer)) {
                    String at = name + (layer == null ? " input" : " " + layer);
                    assertClose(at + " logits", expected.logits(), actual.logits());
                    if (layer != null) {
                        assertClose(at + " capture", expected.captured(), actual.captured());
                    }
                    assertClose(at + " gradient", expected.backward(scoreWeights), actual.backward(scoreWeights));
                    assertClose(at + " guided gradient", expected.backward(scoreWeights, ReluGradient.GUIDED),
                            actual.backward(scoreWeights, ReluGradient.GUIDED));
                }
            }
        }
    }

    private static void compareEverywhere(String name, Plan plan, HostTensor input) {
        List<String> targets = new ArrayList<>(plan.spatialCaptures());
        targets.add(null);
        compare(name, plan, input, targets);
    }

    static double assertClose(String what, HostTensor expected, HostTensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = expected.maxAbs();
        assertTrue(scale > 0, what + ": the reference is all zeros; the comparison would prove nothing");
        double worst = 0;
        for (int i = 0; i < expected.data().length; i++) {
            worst = Math.max(worst, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        System.out.printf("onednn parity %-52s max relative error %.2e%n", what, worst / scale);
        assertTrue(worst / scale <= Parity.TOLERANCE, what + ": max relative error " + worst / scale);
        return worst / scale;
    }

    @Test
    void theBundledCnnGivesTheReferencesLogitsCapturesAndGradients() throws Exception {
        try (Dl4jModel model = Dl4jModels.load(TestModels.BUNDLED_MODEL, null)) {
            MultiLayerNetwork network = (MultiLayerNetwork) Dl4jModels.restore(TestModels.BUNDLED_MODEL);
            Plan plan = PlanCompiler.compile(network, model.inputShape());
            compareEverywhere("fashion-cnn", plan, Parity.random(3, 2, 1, 28, 28));
        }
    }

    @Test
    void theResidualGraphGivesTheReferencesLogitsCapturesAndGradients() {
        int[] shape = {3, 11, 11};
        Plan plan = PlanCompiler.compile(residualGraph(21, shape), shape);
        compareEverywhere("residual", plan, Parity.random(5, 3, shape[0], shape[1], shape[2]));
    }

    @Test
    void everyOpAndWindowVariantGivesTheReferencesResults() {
        compareEverywhere("every op", everyOpPlan(11), Parity.random(7, 3, 3, 13, 10));
    }

    /**
     * Where nothing reads the tensors between them, a convolution takes its BatchNorm (folded into its weights) and
     * its ReLU (a post-op, whose backward reads the ReLU's output): the results stay the reference's, at the input and
     * at each capture point, whose own tensor a pass to it keeps.
     */
    @Test
    void fusedConvolutionsGiveTheReferencesResults() {
        Plan plan = fusedPlan(4);
        try (OneDnnCompiledPlan compiled = (OneDnnCompiledPlan) new OneDnnExecutor().compile(plan)) {
            Fusion toInput = compiled.fusion(plan.input().id());
            assertEquals(2, toInput.foldedAffines.size(), "both BatchNorms fold into their convolutions");
            assertEquals(3, toInput.fusedRelus.size(), "the three ReLUs after convolutions are post-ops");
            Fusion toStem = compiled.fusion(plan.capture("stem.bn").id());
            assertEquals(2, toStem.foldedAffines.size(), "stem.bn still folds: the convolution writes its output, the target");
            assertEquals(2, toStem.fusedRelus.size(), "but stem.relu, which reads the target, runs on its own");
        }
        compareEverywhere("fused", plan, Parity.random(8, 2, 3, 12, 12));
    }

    static Plan fusedPlan(long seed) {
        Random r = new Random(seed);
        PlanBuilder b = new PlanBuilder(3, 12, 12);
        Window same3 = new Window(3, 3, 1, 1, 1, 1, new Padding(1, 1, 1, 1));
        int stemBn = b.channelAffine("stem.bn", b.conv2d("stem", b.input(), same3, weights(r, 16, 3, 3, 3), null), positive(r, 16),
                weights(r, 16));
        int stem = b.activation("stem.relu", stemBn, ActivationKind.RELU, 0);
        int down = b.activation("down.relu", b.conv2d("down", stem, new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 1, 1)),
                weights(r, 16, 16, 3, 3), weights(r, 16)), ActivationKind.RELU, 0);
        int branch = b.channelAffine("branch.bn", b.conv2d("branch", down, same3, weights(r, 16, 16, 3, 3), weights(r, 16)),
                positive(r, 16), weights(r, 16));
        int block = b.activation("block", b.add("residual", down, branch), ActivationKind.RELU, 0);
        int head = b.activation("head.relu", b.conv2d("head", block, same3, weights(r, 8, 16, 3, 3), weights(r, 8)), ActivationKind.RELU, 0);
        int logits = b.dense("fc", b.globalPool("gap", head, PoolKind.AVG, false), weights(r, 4, 8), weights(r, 4));
        b.capture("stem.bn", stemBn).capture("block", block).capture("head.relu", head);
        return b.build(logits);
    }

    /** The batch is symbolic: one compiled plan runs batches of 1 and 3 with their own primitives. */
    @Test
    void oneCompiledPlanRunsSeveralBatchSizes() {
        Plan plan = everyOpPlan(12);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan onednn = new OneDnnExecutor().compile(plan)) {
            for (int batch : new int[] {1, 3, 1}) {
                HostTensor input = Parity.random(batch, batch, 3, 13, 10);
                assertClose("batch " + batch + " logits", reference.logits(input), onednn.logits(input));
            }
        }
    }

    /** torch's derivatives at the kinks of ReLU6, hard sigmoid and hard swish, as ActivationKind documents them. */
    @Test
    void activationKinksFollowTorch() {
        PlanExecutor executor = new OneDnnExecutor();
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 1}, derivative(executor, ActivationKind.CLIP, 0, 6), "ReLU6");
        assertArrayEquals(new float[] {0, 1f / 6, 0, 0, 0, 1f / 6}, derivative(executor, ActivationKind.HARD_SIGMOID, 1.0 / 6, 0.5), 1e-7f,
                "hard sigmoid");
        assertArrayEquals(new float[] {-0.5f, 0.5f, 1.5f, 1, 0, 1f / 3 + 0.5f}, derivative(executor, ActivationKind.HARD_SWISH, 0, 0), 1e-6f,
                "hard swish");
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 1}, derivative(executor, ActivationKind.RELU, 0, 0), "ReLU");
    }

    private static float[] derivative(PlanExecutor executor, ActivationKind kind, double alpha, double beta) {
        float[] at = {-3, 0, 3, 6, -4, 1};
        PlanBuilder b = new PlanBuilder(at.length);
        Plan plan = b.build(b.activation("f", b.input(), kind, alpha, beta));
        float[] ones = new float[at.length];
        Arrays.fill(ones, 1);
        try (CompiledPlan compiled = executor.compile(plan);
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, at.length}, at.clone()), null)) {
            return pass.backward(new HostTensor(new int[] {1, at.length}, ones)).data();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "tiny_mixed", "tiny_grouped", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void torchExportsGiveTorchsAndTheReferencesResults(String name) throws Exception {
        Plan plan = OnnxPlanImporter.read(resource(name + ".onnx"));
        int[] sample = plan.input().shape();
        int[] shape = {2, sample[0], sample[1], sample[2]};
        HostTensor input = new HostTensor(shape, Npy.read(resource(name + ".input.npy")));
        float[] w = new float[2 * plan.numClasses()];
        w[3] = 1;                                   // the classes make_models.py differentiates: 3 and 7
        w[plan.numClasses() + 7] = 1;
        HostTensor weights = new HostTensor(new int[] {2, plan.numClasses()}, w);
        try (CompiledPlan onednn = new OneDnnExecutor().compile(plan); PlanPass pass = onednn.forward(input, null)) {
            assertClose(name + " logits vs torch", new HostTensor(new int[] {2, 10}, Npy.read(resource(name + ".logits.npy"))), pass.logits());
            assertClose(name + " input gradient vs torch", new HostTensor(shape, Npy.read(resource(name + ".grad.npy"))), pass.backward(weights));
        }
        String last = plan.spatialCaptures().get(plan.spatialCaptures().size() - 1);
        compare(name, plan, input, Arrays.asList(last, null));
    }

    private static Path resource(String file) throws Exception {
        return Path.of(OneDnnExecutorParityTest.class.getResource("/onnx/" + file).toURI());
    }

    @Test
    void aClosedPlanRefusesPasses() {
        CompiledPlan onednn = new OneDnnExecutor().compile(everyOpPlan(1));
        onednn.close();
        onednn.close();
        assertThrows(IllegalStateException.class, () -> onednn.forward(Parity.random(1, 1, 3, 13, 10), null));
    }

    /**
     * A residual graph with BatchNorm after convolutions (folded), an add, max and average pooling merged by
     * concatenation, asymmetric zero padding, a strided tanh convolution and a dense sigmoid head.
     */
    static ComputationGraph residualGraph(long seed, int[] shape) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).activation(Activation.IDENTITY).build(), "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem_bn")
                .addLayer("branch", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY).build(), "stem_relu")
                .addLayer("branch_bn", new BatchNormalization.Builder().build(), "branch")
                .addLayer("branch_act", new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(), "branch_bn")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem_relu", "branch_act")
                .addLayer("maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(1, 1).build(), "add")
                .addLayer("avgpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(1, 1).build(), "add")
                .addVertex("merge", new MergeVertex(), "add", "maxpool", "avgpool")
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 0, 0, 1).build(), "merge")
                .addLayer("head", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.TANH).build(), "pad")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "head")
                .addLayer("fc", new DenseLayer.Builder().nOut(5).activation(Activation.SIGMOID).build(), "gap")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(shape[1], shape[2], shape[0]))
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        TestModels.randomizeBatchNormStatistics(g.getLayer("stem_bn"), seed);
        TestModels.randomizeBatchNormStatistics(g.getLayer("branch_bn"), seed + 1);
        return g;
    }

    /**
     * Asymmetric and dilated convolution windows, a grouped convolution, both average-pooling divisors, max pooling
     * with padding, zero padding, concatenation, a three-way add, both kinds of product, leaky ReLU, tanh, hard
     * sigmoid, global max and sum, a standalone affine, and an inner product with a BatchNorm folded into it.
     */
    static Plan everyOpPlan(long seed) {
        Random r = new Random(seed);
        PlanBuilder b = new PlanBuilder(3, 13, 10);
        int conv = b.conv2d("conv", b.input(), new Window(3, 2, 2, 1, 1, 2, new Padding(0, 2, 1, 1)), weights(r, 6, 3, 3, 2), weights(r, 6));
        int bn = b.channelAffine("bn", conv, positive(r, 6), weights(r, 6));
        int leaky = b.activation("leaky", bn, ActivationKind.LEAKY_RELU, 0.1);
        int grouped = b.conv2d("grouped", leaky, new Window(3, 3, 1, 1, 2, 1, new Padding(2, 1, 2, 1)), weights(r, 6, 2, 3, 3), null, 3);
        int relu = b.activation("relu", grouped, ActivationKind.RELU, 0);
        int affine = b.channelAffine("affine", relu, positive(r, 6), weights(r, 6));
        int padded = b.zeroPad("pad", affine, new Padding(1, 0, 2, 1));
        int avgIn = b.pool2d("avg.include", padded, PoolKind.AVG, new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 0, 1)), true);
        int avgEx = b.pool2d("avg.exclude", padded, PoolKind.AVG, new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 0, 1)), false);
        int max = b.pool2d("max", padded, PoolKind.MAX, new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 0, 1)), false);
        int tanh = b.activation("tanh", max, ActivationKind.TANH, 0);
        int sum = b.add("sum3", avgIn, avgEx, tanh);
        int cat = b.concat("cat", sum, tanh);
        int gate = b.activation("gate", cat, ActivationKind.HARD_SIGMOID, 0.2, 0.5);
        int product = b.multiply("product", cat, gate);
        int channelGate = b.activation("channel.gate", b.globalPool("squeeze", product, PoolKind.MAX, true), ActivationKind.SIGMOID, 0);
        int excited = b.multiply("excite", product, channelGate);
        int summed = b.globalPool("gsum", excited, PoolKind.SUM, false);
        int flat = b.reshape("flat", b.globalPool("gavg", excited, PoolKind.AVG, true), 12);
        int both = b.concat("features", summed, flat);
        int hidden = b.dense("fc1", both, scaled(weights(r, 8, 24), 0.05f), weights(r, 8));
        int bn1d = b.channelAffine("bn1d", hidden, positive(r, 8), weights(r, 8));
        int logits = b.dense("fc2", b.activation("clip", bn1d, ActivationKind.CLIP, -2, 2.5), weights(r, 5, 8), null);
        b.capture("conv", conv).capture("leaky", leaky).capture("relu", relu).capture("pad", padded).capture("cat", cat).capture("excite", excited);
        return b.build(logits);
    }

    private static Weights weights(Random r, int... shape) {
        int n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        int fanIn = n / shape[0];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() / Math.sqrt(fanIn));
        }
        return new Weights(v, shape);
    }

    private static Weights scaled(Weights w, float by) {
        float[] v = w.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] *= by;
        }
        return new Weights(v, w.shape());
    }

    private static Weights positive(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.5f + r.nextFloat();
        }
        return new Weights(v, n);
    }
}
