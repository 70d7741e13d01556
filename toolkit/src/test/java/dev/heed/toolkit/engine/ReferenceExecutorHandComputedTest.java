package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import org.junit.jupiter.api.Test;

/** The reference executor on plans small enough to work out by hand. */
class ReferenceExecutorHandComputedTest {
    private static final float[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    /**
     * A 3x3 image 1..9, one 2x2 convolution {@code [[1, 2], [3, 4]]} with bias 0.5, flattened into one dense logit that
     * sums the four outputs: the outputs are 37.5, 47.5, 67.5, 77.5 (logit 230), and the input gradient counts how
     * often, and with which weight, each pixel enters a window.
     */
    private static Plan convSumPlan() {
        PlanBuilder b = new PlanBuilder(1, 3, 3);
        int conv = b.conv2d("conv", b.input(), new Window(2, 2, 1, 1, 1, 1, Padding.NONE),
                new Weights(new float[] {1, 2, 3, 4}, 1, 1, 2, 2), new Weights(new float[] {0.5f}, 1));
        b.capture("conv", conv);
        int flat = b.reshape("flat", conv, 4);
        return b.build(b.dense("sum", flat, new Weights(new float[] {1, 1, 1, 1}, 1, 4), null));
    }

    @Test
    void convolutionForwardAndBackwardByHand() {
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(convSumPlan());
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 3, 3}, NINE), "conv")) {
            assertArrayEquals(new float[] {37.5f, 47.5f, 67.5f, 77.5f}, pass.captured().data());
            assertArrayEquals(new float[] {230f}, pass.logits().data());
            assertArrayEquals(new float[] {1, 1, 1, 1}, pass.backward(new HostTensor(new int[] {1, 1}, new float[] {1})).data());
        }
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(convSumPlan());
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 3, 3}, NINE), null)) {
            assertNull(pass.captured());
            HostTensor g = pass.backward(new HostTensor(new int[] {1, 1}, new float[] {2}));
            assertArrayEquals(new int[] {1, 1, 3, 3}, g.shape());
            assertArrayEquals(new float[] {2, 6, 4, 8, 20, 12, 6, 14, 8}, g.data());
        }
    }

    /**
     * DL4J's Same mode on a 4x4 input with a 3x3 kernel and stride 2: output 2x2, total padding 1, all of it at the
     * bottom and right. With an all-ones kernel the outputs are sums of the windows at rows/columns {0-2} and {2-3}.
     */
    @Test
    void asymmetricPaddingPadsTheBottomAndRight() {
        PlanBuilder b = new PlanBuilder(1, 4, 4);
        Window same = new Window(3, 3, 2, 2, 1, 1, new Padding(0, 0, 1, 1));
        float[] ones = new float[9];
        java.util.Arrays.fill(ones, 1);
        int conv = b.conv2d("conv", b.input(), same, new Weights(ones, 1, 1, 3, 3), null);
        b.capture("conv", conv);
        Plan plan = b.build(b.dense("out", b.reshape("flat", conv, 4), new Weights(new float[] {1, 0, 0, 0}, 1, 4), null));
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) {
            x[i] = i; // row r, column c holds 4r + c
        }
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 4, 4}, x), "conv")) {
            // rows 0-2 x cols 0-2: 45; rows 0-2 x cols 2-3: 2+3+6+7+10+11 = 39; rows 2-3 x cols 0-2: 8+9+10+12+13+14 = 66;
            // rows 2-3 x cols 2-3: 10+11+14+15 = 50
            assertArrayEquals(new float[] {45, 39, 66, 50}, pass.captured().data());
        }
    }

    /** ReLU then max pooling then a dense logit, with a negative weight: guided backprop drops the negative gradient. */
    @Test
    void guidedReluPassesOnlyPositiveGradientsAtPositiveInputs() {
        PlanBuilder b = new PlanBuilder(1, 1, 4);
        int relu = b.activation("relu", b.input(), ActivationKind.RELU, 0);
        int flat = b.reshape("flat", relu, 4);
        Plan plan = b.build(b.dense("out", flat, new Weights(new float[] {1, -1, 2, 3}, 1, 4), null));
        HostTensor x = new HostTensor(new int[] {1, 1, 1, 4}, new float[] {1, 2, -3, 0});
        HostTensor one = new HostTensor(new int[] {1, 1}, new float[] {1});
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan); PlanPass pass = compiled.forward(x, null)) {
            assertArrayEquals(new float[] {-1}, pass.logits().data()); // 1 - 2
            assertArrayEquals(new float[] {1, -1, 0, 0}, pass.backward(one, ReluGradient.STANDARD).data());
            assertArrayEquals(new float[] {1, 0, 0, 0}, pass.backward(one, ReluGradient.GUIDED).data());
        }
    }

    /** Average pooling at the edge: with padding counted the divisor is the kernel area, otherwise the pixels inside. */
    @Test
    void averagePoolingDivisorWithAndWithoutPadding() {
        for (boolean countPadding : new boolean[] {true, false}) {
            PlanBuilder b = new PlanBuilder(1, 1, 2);
            int pool = b.pool2d("pool", b.input(), PoolKind.AVG, new Window(1, 2, 1, 2, 1, 1, new Padding(0, 1, 0, 1)), countPadding);
            Plan plan = b.build(b.dense("out", b.reshape("flat", pool, 2), new Weights(new float[] {1, 10}, 1, 2), null));
            try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
                 PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 1, 2}, new float[] {4, 8}), null)) {
                // windows: [pad, 4] and [8, pad]
                float expected = countPadding ? 2 + 10 * 4 : 4 + 10 * 8;
                assertEquals(expected, pass.logits().data()[0], 1e-6);
                float[] g = pass.backward(new HostTensor(new int[] {1, 1}, new float[] {1})).data();
                assertArrayEquals(countPadding ? new float[] {0.5f, 5} : new float[] {1, 10}, g, 1e-6f);
            }
        }
    }

    @Test
    void aClosedPassAndAWrongInputShapeAreRefused() {
        CompiledPlan compiled = new CpuReferenceExecutor().compile(convSumPlan());
        PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 3, 3}, NINE), null);
        pass.close();
        assertThrows(IllegalStateException.class, pass::logits);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> compiled.forward(new HostTensor(new int[] {1, 1, 3, 2}, new float[6]), null));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        compiled.close();
        assertThrows(IllegalStateException.class, () -> compiled.forward(new HostTensor(new int[] {1, 1, 3, 3}, NINE), null));
    }

    @Test
    void theCallersInputIsNotModified() {
        float[] x = NINE.clone();
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(convSumPlan());
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, 1, 3, 3}, x), null)) {
            pass.backward(new HostTensor(new int[] {1, 1}, new float[] {1}));
        }
        assertArrayEquals(NINE, x);
    }
}
