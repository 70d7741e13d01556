package dev.heed.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's ResNet-50 is torchvision's: the same parameter count (BatchNorm's gamma and beta become the folded
 * scale and shift, two values per channel either way) and the same 4.09 GMAC per 224x224 image that torchvision's
 * model card quotes, so JMH ratios against torch compare equal work.
 */
class TorchvisionResNet50PlanTest {
    @Test
    void hasTorchvisionsParametersArithmeticAndShapes() {
        Plan plan = TorchvisionResNet50Plan.build(224, 1);
        assertEquals(25_557_032L, plan.parameterCount(), "torchvision resnet50: 25,557,032 parameters");
        double macs = 0;
        for (Op op : plan.ops()) {
            if (op instanceof Op.Conv2d c) {
                TensorInfo y = plan.tensor(c.output());
                int[] w = c.weight().shape();
                macs += (double) w[0] * w[1] * w[2] * w[3] * y.height() * y.width();
            } else if (op instanceof Op.Dense d) {
                macs += (double) d.inFeatures() * d.outFeatures();
            }
        }
        assertEquals(4.09e9, macs, 0.01e9, "torchvision resnet50: 4.09 GMAC at 224x224");
        assertArrayEquals(new int[] {2048, 7, 7}, plan.capture(TorchvisionResNet50Plan.LAST_BLOCK).shape());
        assertArrayEquals(new int[] {256, 56, 56}, plan.capture("layer1.2").shape());
        assertEquals(1000, plan.numClasses());
    }

    @Test
    void runsOnTheReferenceExecutorAtASmallSize() {
        Plan plan = TorchvisionResNet50Plan.build(32, 1);
        float[] pixels = new float[3 * 32 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i);
        }
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan)) {
            HostTensor logits = compiled.logits(new HostTensor(new int[] {1, 3, 32, 32}, pixels));
            assertArrayEquals(new int[] {1, 1000}, logits.shape());
            double max = logits.maxAbs();
            assertTrue(Double.isFinite(max) && max > 0, "finite, non-zero logits: " + max);
        }
    }
}
