package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code heed trust --backend cuda}: the whole audit (the trained model's maps, every re-drawn copy's, the
 * faithfulness curves) with its model passes on Heed's CUDA engine and its maps on the CUDA backend, against the
 * same audit on the CPU, for the bundled DL4J model and an ONNX export. Runs on a GPU or on the emulated driver;
 * skipped without either.
 */
class CudaTrustCommandTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"models/fashion-cnn.zip, dl4j-cpu", "src/test/resources/onnx/tiny_resnet.onnx, heed-cpu-reference"})
    void theAuditOnTheEngineGivesTheCpuAuditsFigures(String model, String cpuEngine) throws Exception {
        BackendProvider.Probe probe = new CudaBackendProvider().probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
        Path input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(2).toList()) {
                Files.copy(p, input.resolve(p.getFileName()));
            }
        }
        for (String backend : List.of("cpu", "cuda")) {
            // the CPU audit on the format's reference, the oracle the engine is checked against
            Run run = heed("trust", "--model", model, "--method", "gradcam", "--input", input.toString(),
                    "--output", tmp.resolve(backend).toString(), "--steps", "4", "--backend", backend, "--cpu-engine", "reference");
            assertEquals(0, run.exit(), run.err());
        }
        Map<String, Object> cpu = Json.read(tmp.resolve("cpu/trust.gradcam.json"));
        Map<String, Object> cuda = Json.read(tmp.resolve("cuda/trust.gradcam.json"));
        assertEquals(cpuEngine, cpu.get("modelPass"));
        assertEquals("heed-cuda", cuda.get("modelPass"));
        Map<?, ?> a = (Map<?, ?>) cpu.get("audit");
        Map<?, ?> b = (Map<?, ?>) cuda.get("audit");
        for (String check : List.of("deletion", "insertion")) {
            double x = ((Number) ((Map<?, ?>) a.get(check)).get("auc")).doubleValue();
            double y = ((Number) ((Map<?, ?>) b.get(check)).get("auc")).doubleValue();
            assertEquals(x, y, 1e-4, check + " AUC");
        }
        assertEquals(((Number) a.get("averageDropPercent")).doubleValue(), ((Number) b.get("averageDropPercent")).doubleValue(), 1e-3);
        // every randomisation step's similarity figures: the same re-drawn weights, the same maps up to float rounding
        String cascadeCpu = String.valueOf(((Map<?, ?>) a.get("randomisation")).get("cascading"));
        String cascadeCuda = String.valueOf(((Map<?, ?>) b.get("randomisation")).get("cascading"));
        assertTrue(cascadeCpu.length() > 20, cascadeCpu);
        assertEquals(numbers(cascadeCpu).length, numbers(cascadeCuda).length);
        double[] x = numbers(cascadeCpu);
        double[] y = numbers(cascadeCuda);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-3, "cascading randomisation figure " + i + ": " + cascadeCpu + " vs " + cascadeCuda);
        }
    }

    private static double[] numbers(String text) {
        return java.util.regex.Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?").matcher(text).results()
                .mapToDouble(m -> Double.parseDouble(m.group())).toArray();
    }
}
