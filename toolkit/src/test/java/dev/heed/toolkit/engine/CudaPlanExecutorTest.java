package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA executor against the plain-Java reference executor (itself checked against the DL4J twin), on the bundled
 * CNN and on the residual graph, on whatever device the probe finds: a GPU, or in every build the emulated driver.
 * Logits, captures and gradients (standard and guided, to the input and to every spatial capture point) within the
 * issue's 1e-4 of the largest magnitude. Skipped, with the probe's reason, without a device.
 */
class CudaPlanExecutorTest {
    private static CudaDevice.Probe probe;

    @BeforeAll
    static void open() {
        probe = CudaDevice.open(0);
    }

    @AfterAll
    static void close() {
        if (probe.available()) {
            assertEquals(0, probe.device().liveBuffers(), "every device buffer of every plan and pass was freed");
            probe.device().close();
        }
    }

    private static void requireDevice() {
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
    }

    /** Everything one plan gives on both executors, compared. */
    private static void compare(String name, Plan plan, HostTensor input) {
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan)) {
            assertEquals("cuda", cuda.executor());
            int classes = plan.numClasses();
            float[] weights = new float[input.batch() * classes];
            for (int b = 0; b < input.batch(); b++) {
                weights[b * classes + (b * 3) % classes] = 1;   // a different class per image, as Grad-CAM asks
            }
            HostTensor scoreWeights = new HostTensor(new int[] {input.batch(), classes}, weights);
            List<String> targets = new ArrayList<>(plan.spatialCaptures());
            targets.add(null);
            for (String layer : targets) {
                try (PlanPass expected = reference.forward(input, layer); PlanPass actual = cuda.forward(input, layer)) {
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

    private static void assertClose(String what, HostTensor expected, HostTensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = expected.maxAbs();
        assertTrue(scale > 0, what + ": the reference is all zeros; the comparison would prove nothing");
        double worst = 0;
        for (int i = 0; i < expected.data().length; i++) {
            worst = Math.max(worst, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        System.out.printf("cuda parity %-44s max relative error %.2e%n", what, worst / scale);
        assertTrue(worst / scale <= Parity.TOLERANCE, what + ": max relative error " + worst / scale);
    }

    /**
     * Grouped and depthwise convolutions with their BatchNorm and ReLU6 fused (or not, where a capture needs the tensors
     * between), hard swish after a fused BatchNorm, SiLU and squeeze-and-excitation products: at every capture point.
     */
    @Test
    void mobileBlocksGiveTheReferencesLogitsCapturesAndGradients() {
        requireDevice();
        compare("mobile blocks", MobileBlockPlan.build(3), Parity.random(6, 3, 4, 9, 7));
    }

    @Test
    void theBundledCnnGivesTheReferencesLogitsCapturesAndGradients() throws Exception {
        requireDevice();
        try (Dl4jModel model = Dl4jModels.load(TestModels.BUNDLED_MODEL, null)) {
            MultiLayerNetwork network = (MultiLayerNetwork) Dl4jModels.restore(TestModels.BUNDLED_MODEL);
            Plan plan = PlanCompiler.compile(network, model.inputShape());
            compare("fashion-cnn", plan, Parity.random(3, 2, 1, 28, 28));
        }
    }

    /**
     * conv2 takes bn2 and relu2 into its epilogue when the pass needs neither tensor in between: capturing conv2 itself
     * forbids that, and the pass then holds exactly those two tensors more on the device.
     */
    @Test
    void aConvolutionFusesItsBatchNormAndReluUnlessThePassNeedsTheTensorsBetween() throws Exception {
        requireDevice();
        try (Dl4jModel model = Dl4jModels.load(TestModels.BUNDLED_MODEL, null)) {
            MultiLayerNetwork network = (MultiLayerNetwork) Dl4jModels.restore(TestModels.BUNDLED_MODEL);
            Plan plan = PlanCompiler.compile(network, model.inputShape());
            HostTensor input = Parity.random(3, 2, 1, 28, 28);
            try (CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan)) {
                long before = probe.device().liveBuffers();
                long fused;
                long unfused;
                try (PlanPass pass = cuda.forward(input, null)) {
                    fused = probe.device().liveBuffers() - before;
                }
                try (PlanPass pass = cuda.forward(input, "conv2")) {
                    unfused = probe.device().liveBuffers() - before;
                }
                assertEquals(2, unfused - fused, "conv2's output and bn2's output exist only when conv2 is captured");
            }
        }
    }

    /**
     * A batch larger than the device holds (the emulated device has 256 MiB; each image's padded plane takes 16 MiB
     * forward and again backward) runs in parts sized by the free memory, with the reference's results.
     */
    @Test
    void aBatchLargerThanTheDeviceRunsInPartsWithTheSameResults() {
        requireDevice();
        Assumptions.assumeTrue(probe.device().memory()[1] <= (1L << 30), "a real GPU holds this batch at once; the split is not exercised");
        PlanBuilder b = new PlanBuilder(1, 4, 4);
        int padded = b.zeroPad("pad", b.input(), new Padding(1000, 1000, 1044, 1044));
        int pooled = b.globalPool("gap", padded, PoolKind.AVG, false);
        int logits = b.dense("fc", pooled, new Weights(new float[] {1, -2, 3}, 3, 1), new Weights(new float[] {0.5f, 0, -0.5f}, 3));
        Plan plan = b.capture("pad", padded).build(logits);
        HostTensor input = Parity.random(9, 20, 1, 4, 4);
        HostTensor weights = Parity.random(10, 20, 3);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan);
             PlanPass expected = reference.forward(input, null);
             PlanPass actual = cuda.forward(input, null)) {
            assertTrue(actual.getClass().getSimpleName().equals("SplitPass"), "20 x 16 MiB planes do not fit 256 MiB at once");
            assertClose("split logits", expected.logits(), actual.logits());
            assertClose("split input gradient", expected.backward(weights), actual.backward(weights));
        }
    }

    /**
     * The tensor-core path rounds every multiplication's operands to TF32 (10-bit mantissa). Its error against the
     * exact reference is measured here: about 5e-4 of the largest logit and 1.5e-2 of the largest input-gradient value
     * (the gradient of a whole image sums many products of both signs, so rounding shows more), bounded at 2e-3 and
     * 5e-2. It must also differ from the FP32 path, or the TF32 kernels did not run.
     */
    @Test
    void theTf32PathStaysWithinItsMeasuredErrorOfTheReference() throws Exception {
        requireDevice();
        Assumptions.assumeTrue(probe.device().capability() >= 80, "TF32 needs sm_80 or newer");
        try (Dl4jModel model = Dl4jModels.load(TestModels.BUNDLED_MODEL, null)) {
            MultiLayerNetwork network = (MultiLayerNetwork) Dl4jModels.restore(TestModels.BUNDLED_MODEL);
            Plan plan = PlanCompiler.compile(network, model.inputShape());
            HostTensor input = Parity.random(3, 2, 1, 28, 28);
            float[] w = new float[2 * plan.numClasses()];
            w[1] = 1;
            w[plan.numClasses() + 7] = 1;
            HostTensor weights = new HostTensor(new int[] {2, plan.numClasses()}, w);
            try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
                 CompiledPlan tf32 = new CudaPlanExecutor(probe.device(), EngineKernels.Precision.TF32).compile(plan);
                 PlanPass expected = reference.forward(input, null);
                 PlanPass actual = tf32.forward(input, null)) {
                assertEquals("cuda-tf32", tf32.executor());
                double logits = relativeError(expected.logits(), actual.logits());
                double gradient = relativeError(expected.backward(weights), actual.backward(weights));
                System.out.printf("cuda tf32 fashion-cnn logits %.2e, input gradient %.2e of the largest magnitude%n", logits, gradient);
                assertTrue(logits <= 2e-3 && gradient <= 5e-2, "TF32 error " + logits + ", " + gradient);
                assertTrue(logits > 1e-6, "TF32 rounding leaves a trace: " + logits);
            }
        }
    }

    private static double relativeError(HostTensor expected, HostTensor actual) {
        double worst = 0;
        for (int i = 0; i < expected.data().length; i++) {
            worst = Math.max(worst, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        return worst / expected.maxAbs();
    }

    @Test
    void theResidualGraphGivesTheReferencesLogitsCapturesAndGradients() {
        requireDevice();
        int[] shape = {3, 11, 11};
        Plan plan = PlanCompiler.compile(ResidualGraphParityTest.residualGraph(21), shape);
        compare("residual", plan, Parity.random(5, 3, shape[0], shape[1], shape[2]));
    }

    @Test
    void aGatherOfComputedIdsIsRefusedAtCompileNamingTheOp() {
        requireDevice();
        // ids become int32 on the host as they go up, so they must be a plan input, not computed on the device
        PlanBuilder b = new PlanBuilder(4);
        int ids = b.add("twice", b.input(), b.input());
        int rows = b.gather("embeddings.word_embeddings", ids, new Weights(new float[10 * 3], 10, 3));
        Plan plan = b.build(b.reshape("flat", rows, 12));
        dev.heed.toolkit.engine.plan.UnsupportedLayerException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.heed.toolkit.engine.plan.UnsupportedLayerException.class, () -> new CudaPlanExecutor(probe.device()).compile(plan));
        assertTrue(e.getMessage().startsWith("layer 'embeddings.word_embeddings' (Gather)"), e.getMessage());
        assertEquals(0, probe.device().liveBuffers(), "nothing was uploaded");
    }
}
