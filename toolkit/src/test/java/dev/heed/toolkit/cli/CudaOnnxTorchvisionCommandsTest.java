package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * torchvision's ResNet-18 export (opt-in, as in {@link OnnxTorchvisionCommandsTest}) through every method from the
 * command line with {@code --backend cuda}: the model pass on Heed's CUDA engine and the maps on the CUDA backend (a
 * GPU, or the emulated driver), each map equal to the CPU run's within 1e-4 of its largest magnitude.
 */
class CudaOnnxTorchvisionCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void everyMethodOnTheCudaEngineGivesTheCpuMaps() throws Exception {
        String dir = System.getProperty("heed.onnx.torchvision");
        Assumptions.assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "resnet18.onnx")),
                "unverified: run make_models.py --torchvision DIR and pass -Dheed.onnx.torchvision=DIR");
        BackendProvider.Probe probe = new CudaBackendProvider().probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
        Path model = Path.of(dir, "resnet18.onnx");
        Path photo = TestModels.PHOTOS.resolve("chelsea.png");
        for (MethodCatalogue method : MethodCatalogue.all()) {
            for (String backend : List.of("cpu", "cuda")) {
                Run run = heed("overlay", "--model", model.toString(), "--preset", "imagenet", "--resize", "crop", "--method", method.id(),
                        "--input", photo.toString(), "--output", tmp.resolve(backend).resolve(method.id()).toString(), "--backend", backend,
                        "--samples", "2", "--steps", "2", "--target", "class:281");
                assertEquals(0, run.exit(), method.id() + " on " + backend + ": " + run.err());
            }
            String name = "chelsea." + method.id() + ".c281-tabby";
            Map<String, Object> sidecar = Json.read(tmp.resolve("cuda").resolve(method.id()).resolve(name + ".json"));
            assertEquals("heed-cuda", sidecar.get("modelPass"), method.id());
            float[] cpu = Npy.read(tmp.resolve("cpu").resolve(method.id()).resolve(name + ".npy"));
            float[] cuda = Npy.read(tmp.resolve("cuda").resolve(method.id()).resolve(name + ".npy"));
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < cpu.length; i++) {
                scale = Math.max(scale, Math.abs(cpu[i]));
                worst = Math.max(worst, Math.abs(cpu[i] - cuda[i]));
            }
            System.out.printf("resnet18 %s: cuda vs cpu largest difference %.2e of the largest magnitude%n", method.id(), worst / scale);
            assertTrue(scale == 0 ? worst == 0 : worst <= 1e-4 * scale, method.id() + ": " + worst + " of " + scale);
        }
    }
}
