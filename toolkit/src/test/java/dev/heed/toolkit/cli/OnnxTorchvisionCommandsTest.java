package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * torchvision's own ResNet-18 export (random weights, 45 MB, so not committed) through every method and the trust
 * audit from the command line, where make_models.py has written it:
 * {@code /usr/bin/python3 make_models.py --torchvision DIR}, then
 * {@code mvn -pl toolkit test -Dtest=OnnxTorchvisionCommandsTest -Dheed.onnx.torchvision=DIR}. Skipped without that
 * property (CI has no torch).
 */
class OnnxTorchvisionCommandsTest {
    @TempDir
    Path tmp;

    private static Path resnet18() {
        String dir = System.getProperty("heed.onnx.torchvision");
        Assumptions.assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "resnet18.onnx")),
                "unverified: run make_models.py --torchvision DIR and pass -Dheed.onnx.torchvision=DIR");
        return Path.of(dir, "resnet18.onnx");
    }

    @Test
    void everyMethodAndTheAuditRunOnTorchvisionsResnet18() throws Exception {
        Path model = resnet18();
        Path photo = TestModels.PHOTOS.resolve("chelsea.png");
        for (MethodCatalogue method : MethodCatalogue.all()) {
            Path out = tmp.resolve(method.id());
            Run run = heed("overlay", "--model", model.toString(), "--preset", "imagenet", "--resize", "crop", "--method", method.id(),
                    "--input", photo.toString(), "--output", out.toString(), "--backend", "cpu", "--samples", "4", "--steps", "4");
            assertEquals(0, run.exit(), method.id() + ": " + run.err());
            Map<String, Object> summary = Json.read(out.resolve("summary." + method.id() + ".json"));
            assertEquals(1, ((Number) ((Map<?, ?>) summary.get("counts")).get("maps")).intValue(), method.id());
        }
        Run audit = heed("trust", "--model", model.toString(), "--preset", "imagenet", "--method", "gradcam", "--input", photo.toString(),
                "--output", tmp.resolve("trust").toString(), "--steps", "4", "--backend", "cpu");
        assertEquals(0, audit.exit(), audit.err());
        System.out.println("resnet18 trust: " + audit.out());
    }
}
