package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.WordPiece;
import dev.heed.toolkit.engine.adapter.VitPlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.dl4j.EncoderPlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CUDA executor on the transformer plans (the bundled ViT, all-MiniLM-L6-v2) against the plain-Java reference
 * executor, which EncoderPlanParityTest checks against SameDiff: logits or the last hidden state, every layer's
 * captured queries, keys and attention probabilities, every gate gradient, and for the ViT the gradient down to the
 * image, each within 1e-4 of the reference's largest magnitude; and TransformerOpsReferenceTest's block of every
 * transformer op (both MatMul transpose flags, accumulating gradients). Small on purpose (2 images, two short sentences):
 * the emulated driver runs every kernel on the CPU. Skipped, with the probe's reason, without a device.
 *
 * <p>Measured on the emulated driver (FP32), of the largest magnitude (each tensor is printed as a
 * {@code cuda-vs-reference} line): ViT logits 1.2e-7, queries and keys 7.3e-7, attention probabilities 1.2e-6 (the
 * worst), gate gradients 9.3e-7, image gradient 6.5e-7; MiniLM last hidden state 7.5e-7, queries and keys 9.9e-7,
 * probabilities 1.3e-6, and the word-embedding gate gradient 1.3e-5 (the worst: random score weights over every
 * hidden value sum to a gradient with much cancellation); the block 3.4e-7. Not yet measured on a real GPU.
 */
class CudaEncoderPlanTest {
    private static final double TOLERANCE = 1e-4;
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

    @Test
    void theBundledViTMatchesTheReference() throws Exception {
        requireDevice();
        VisionTransformer vit = VisionTransformer.load(Path.of("models/fashion-vit.zip"));
        INDArray images = EncoderPlanParityTest.bundledSamples(vit, 2);
        HostTensor input = new HostTensor(new int[] {2, vit.card().channels(), vit.card().height(), vit.card().width()},
                images.castTo(DataType.FLOAT).dup('c').data().asFloat());
        Plan plan = VitPlanModel.plan(vit);
        int classes = plan.numClasses();
        float[] oneHot = new float[2 * classes];
        oneHot[3] = 1;                 // image 0, class 3
        oneHot[classes + 7] = 1;       // image 1, class 7
        HostTensor scoreWeights = new HostTensor(new int[] {2, classes}, oneHot);
        double worst = compare("vit", plan, List.of(input), scoreWeights);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan);
             PlanPass expected = reference.forward(input, null);
             PlanPass actual = cuda.forward(input, null)) {
            worst = Math.max(worst, check("vit gradient to the image", expected.backward(scoreWeights), actual.backward(scoreWeights)));
        }
        System.out.printf("cuda-vs-reference vit worst %.2e%n", worst);
    }

    @Test
    void miniLmOnAPaddedPairMatchesTheReference() throws Exception {
        requireDevice();
        MiniLm model = MiniLm.bundled();
        // different lengths, so the shorter sentence is padded and the mask matters
        TextBatch batch = TextBatch.encode(WordPiece.bundled(), List.of(
                new TextBatch.Input("The cat sat.", null, "a"),
                new TextBatch.Input("Markets fell sharply today.", "Investors worried.", "b")), 64, w -> { });
        int n = batch.size();
        int t = batch.length();
        Plan plan = new EncoderPlanCompiler(model.weights(), model.spec()).bert(t);
        List<HostTensor> inputs = List.of(floats(batch.inputIds(), n, t), floats(batch.tokenTypeIds(), n, t),
                floats(batch.attentionMask(), n, t));
        float[] weights = new float[n * plan.numClasses()];
        Random random = new Random(11);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        double worst = compare("minilm", plan, inputs, new HostTensor(new int[] {n, plan.numClasses()}, weights));
        System.out.printf("cuda-vs-reference minilm worst %.2e%n", worst);
    }

    @Test
    void aBlockOfEveryTransformerOpMatchesTheReference() {
        requireDevice();
        // both transpose flags of MatMul, a masked key per sample, a gate, GELU, a slice, and tensors read by several ops
        // (their gradients accumulate), which the two models do not all reach
        Plan plan = TransformerOpsReferenceTest.block();
        int[] shape = plan.input().shape();
        Random random = new Random(3);
        float[] x = new float[2 * shape[0] * shape[1]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        List<HostTensor> inputs = List.of(new HostTensor(new int[] {2, shape[0], shape[1]}, x),
                new HostTensor(new int[] {2, 4}, new float[] {1, 1, 0, 1, 1, 0, 1, 1}));
        HostTensor scoreWeights = new HostTensor(new int[] {2, 3}, new float[] {0.3f, -1.1f, 0.8f, 1f, 0f, -0.5f});
        double worst = compare("block", plan, inputs, scoreWeights);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan);
             PlanPass expected = reference.forward(inputs, List.of());
             PlanPass actual = cuda.forward(inputs, List.of())) {
            worst = Math.max(worst, check("block gradient to the input", expected.backward(scoreWeights), actual.backward(scoreWeights)));
        }
        System.out.printf("cuda-vs-reference block worst %.2e%n", worst);
    }

    /**
     * A multi-input batch the pass budget cannot hold runs in parts (one sample each here) and gives what the whole
     * batch gives: logits, the capture, the gate gradient and the gradient to the input, bit for bit, since each
     * sample's arithmetic is the same either way.
     */
    @Test
    void aBatchOverThePassBudgetRunsInPartsWithTheSameResults() {
        requireDevice();
        Plan plan = TransformerOpsReferenceTest.block();
        int[] shape = plan.input().shape();
        int n = 3;
        Random random = new Random(5);
        float[] x = new float[n * shape[0] * shape[1]];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        List<HostTensor> inputs = List.of(new HostTensor(new int[] {n, shape[0], shape[1]}, x),
                new HostTensor(new int[] {n, 4}, new float[] {1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0}));
        HostTensor scoreWeights = new HostTensor(new int[] {n, 3}, new float[] {0.3f, -1.1f, 0.8f, 1f, 0f, -0.5f, 0.2f, 0.4f, -0.9f});
        List<String> captures = new ArrayList<>(plan.captures().keySet());
        CudaPlanExecutor executor = new CudaPlanExecutor(probe.device());
        try (CompiledPlan whole = executor.compile(plan);
             CompiledPlan inParts = executor.withPassBudget(1).compile(plan);
             PlanPass expected = whole.forward(inputs, captures);
             PlanPass actual = inParts.forward(inputs, captures)) {
            assertTrue(actual.getClass().getSimpleName().equals("SplitPass"), "a 1-byte budget splits the batch: " + actual.getClass());
            assertArrayEquals(expected.logits().data(), actual.logits().data(), "logits");
            for (String layer : captures) {
                assertArrayEquals(expected.captured(layer).shape(), actual.captured(layer).shape(), layer);
                assertArrayEquals(expected.captured(layer).data(), actual.captured(layer).data(), layer);
            }
            Map<String, HostTensor> expectedGates = expected.gateGradients(scoreWeights);
            Map<String, HostTensor> actualGates = actual.gateGradients(scoreWeights);
            assertEquals(expectedGates.keySet(), actualGates.keySet());
            for (String gate : expectedGates.keySet()) {
                assertArrayEquals(expectedGates.get(gate).data(), actualGates.get(gate).data(), gate);
            }
            assertArrayEquals(expected.backward(scoreWeights).data(), actual.backward(scoreWeights).data(), "gradient to the input");
        }
    }

    /** Logits, every capture point, every gate gradient of one pass on each executor; returns the worst ratio. */
    private static double compare(String name, Plan plan, List<HostTensor> inputs, HostTensor scoreWeights) {
        List<String> captures = new ArrayList<>(plan.captures().keySet());
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan);
             PlanPass expected = reference.forward(inputs, captures);
             PlanPass actual = cuda.forward(inputs, captures)) {
            double worst = check(name + " logits", expected.logits(), actual.logits());
            for (String layer : captures) {
                worst = Math.max(worst, check(name + " " + layer, expected.captured(layer), actual.captured(layer)));
            }
            Map<String, HostTensor> expectedGates = expected.gateGradients(scoreWeights);
            Map<String, HostTensor> actualGates = actual.gateGradients(scoreWeights);
            assertEquals(expectedGates.keySet(), actualGates.keySet(), "the same gates");
            assertTrue(!expectedGates.isEmpty(), name + " has gates");
            for (String gate : expectedGates.keySet()) {
                worst = Math.max(worst, check(name + " gate gradient " + gate, expectedGates.get(gate), actualGates.get(gate)));
            }
            return worst;
        }
    }

    /** The largest difference over the reference's largest magnitude, asserted within the tolerance. */
    private static double check(String what, HostTensor expected, HostTensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = 0;
        double difference = 0;
        for (int i = 0; i < expected.data().length; i++) {
            scale = Math.max(scale, Math.abs(expected.data()[i]));
            difference = Math.max(difference, Math.abs((double) expected.data()[i] - actual.data()[i]));
        }
        assertTrue(scale > 0, what + ": the reference is all zeros");
        double ratio = difference / scale;
        System.out.printf("cuda-vs-reference %-50s %.2e%n", what, ratio);
        assertTrue(ratio <= TOLERANCE, what + ": largest difference " + ratio + " of the largest magnitude " + scale);
        return ratio;
    }

    private static HostTensor floats(INDArray a, int n, int t) {
        return new HostTensor(new int[] {n, t}, a.castTo(DataType.FLOAT).dup('c').data().asFloat());
    }
}
