package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The derivatives of ReLU6, hard sigmoid and hard swish exactly at their kinks, as torch computes them (hardtanh and
 * hardsigmoid pass nothing at their bounds; hardswish is x/3 + 1/2 on the closed [-3, 3]), on the CPU reference and,
 * where the probe finds a device (the emulated driver in every build), on the CUDA executor.
 */
class ActivationKinksTest {
    private static final float[] AT = {-3, 0, 3, 6, -4, 1};

    /** The gradient of sum(activation(x)) with respect to x: the activation's derivative at each x. */
    private static float[] derivative(PlanExecutor executor, ActivationKind kind, double alpha, double beta) {
        PlanBuilder b = new PlanBuilder(AT.length);
        Plan plan = b.build(b.activation("f", b.input(), kind, alpha, beta));
        float[] ones = new float[AT.length];
        java.util.Arrays.fill(ones, 1);
        try (CompiledPlan compiled = executor.compile(plan);
             PlanPass pass = compiled.forward(new HostTensor(new int[] {1, AT.length}, AT.clone()), null)) {
            return pass.backward(new HostTensor(new int[] {1, AT.length}, ones)).data();
        }
    }

    @Test
    void kinksFollowTorch() {
        List<PlanExecutor> executors = new ArrayList<>(List.of(new CpuReferenceExecutor()));
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (probe.available()) {
            executors.add(new CudaPlanExecutor(probe.device()));
        }
        try {
            for (PlanExecutor executor : executors) {
                //                                                   x = -3    0       3     6   -4    1
                assertArrayEquals(new float[] {0, 0, 1, 0, 0, 1}, derivative(executor, ActivationKind.CLIP, 0, 6), executor.name() + " ReLU6");
                assertArrayEquals(new float[] {0, 1f / 6, 0, 0, 0, 1f / 6}, derivative(executor, ActivationKind.HARD_SIGMOID, 1.0 / 6, 0.5),
                        1e-7f, executor.name() + " hard sigmoid");
                assertArrayEquals(new float[] {-0.5f, 0.5f, 1.5f, 1, 0, 1f / 3 + 0.5f}, derivative(executor, ActivationKind.HARD_SWISH, 0, 0),
                        1e-6f, executor.name() + " hard swish");
            }
        } finally {
            if (probe.available()) {
                probe.device().close();
            }
        }
    }
}
