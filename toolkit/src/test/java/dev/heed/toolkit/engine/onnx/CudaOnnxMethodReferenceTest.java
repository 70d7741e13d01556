package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.OnnxSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same torch references as {@link OnnxMethodReferenceTest}, with the model pass on Heed's CUDA engine and the map
 * maths on the CUDA backend, chosen the way {@code heed overlay --backend cuda} chooses them (in every build, the
 * emulated driver). Skipped, with the probe's reason, without a device.
 */
class CudaOnnxMethodReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void gradCamAndIntegratedGradientsOnTheCudaEngineMatchTorch(String name) throws Exception {
        CudaDevice.Probe probe = CudaDevice.open(0);
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
        probe.device().close();
        try (OnnxSource source = OnnxSource.open(OnnxTestModels.resource(name + ".onnx"), ModelOptions.NONE);
             Backend backend = Backends.open("cuda", 1, line -> { });
             ModelPassEngine engine = ModelPassEngine.open(source, "cuda", backend.id(), "fp32", line -> { })) {
            assertEquals("heed-cuda", engine.engine());
            OnnxMethodReferences.checkGradCam(name, engine.model(), backend, "cuda");
            OnnxMethodReferences.checkIntegratedGradients(name, engine.model(), backend, "cuda");
        }
    }
}
