package dev.heed.toolkit.engine.onnx;

import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.OnnxSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Grad-CAM and Integrated Gradients of imported torch exports on the CPU reference executor, against torch. */
class OnnxMethodReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void gradCamIsPytorchGradCamsAndIntegratedGradientsTorchs(String name) throws Exception {
        try (OnnxSource source = OnnxSource.open(OnnxTestModels.resource(name + ".onnx"), ModelOptions.NONE);
             CpuBackend backend = new CpuBackend(1)) {
            OnnxMethodReferences.checkGradCam(name, source.cpuModel(), backend, "cpu-reference");
            OnnxMethodReferences.checkIntegratedGradients(name, source.cpuModel(), backend, "cpu-reference");
        }
    }
}
