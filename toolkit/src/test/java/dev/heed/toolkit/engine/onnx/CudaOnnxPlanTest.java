package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The imported torch exports on the CUDA executor, on whatever device the probe finds (a GPU, or in every build the
 * emulated driver): logits and input gradients against torch's references, and captures and gradients at the last
 * spatial capture point against the CPU reference executor, all within 1e-4 of the largest magnitude. Skipped, with the
 * probe's reason, without a device.
 */
class CudaOnnxPlanTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "tiny_mixed", "tiny_grouped", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void torchExportsGiveTorchsLogitsAndGradientsOnTheCudaExecutor(String name) throws Exception {
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
        Plan plan = OnnxPlanImporter.read(OnnxTestModels.resource(name + ".onnx"));
        int[] shape = OnnxTestModels.inputShape(plan);
        HostTensor input = OnnxTestModels.npy(name + ".input.npy", shape);
        HostTensor weights = OnnxTestModels.classWeights(plan.numClasses());
        try (CompiledPlan cuda = new CudaPlanExecutor(probe.device()).compile(plan);
             CompiledPlan reference = new CpuReferenceExecutor().compile(plan)) {
            assertEquals("cuda", cuda.executor());
            try (PlanPass pass = cuda.forward(input, null)) {
                OnnxPlanImporterTest.assertClose(name + " cuda logits vs torch", OnnxTestModels.npy(name + ".logits.npy", 2, 10), pass.logits());
                OnnxPlanImporterTest.assertClose(name + " cuda input gradient vs torch",
                        OnnxTestModels.npy(name + ".grad.npy", shape), pass.backward(weights));
            }
            String layer = plan.spatialCaptures().get(plan.spatialCaptures().size() - 1);
            try (PlanPass expected = reference.forward(input, layer); PlanPass actual = cuda.forward(input, layer)) {
                OnnxPlanImporterTest.assertClose(name + " cuda capture " + layer, expected.captured(), actual.captured());
                OnnxPlanImporterTest.assertClose(name + " cuda gradient at " + layer, expected.backward(weights), actual.backward(weights));
            }
        }
    }
}
