package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heed overlay}'s outputs, byte for byte, against the SHA-256 of every file it wrote when this test was made
 * (src/test/resources/golden/overlay.sha256): overlays, raw maps, sidecars, indexes and montages of three methods
 * (one seeded) on three bundled images. Only the summaries are left out: they hold timings. A refactoring of the
 * pipeline must leave this test green; a deliberate change of outputs rewrites the file with
 * {@code -Dheed.golden.write=true} and says why in its commit.
 */
// The model pass is pinned to DL4J's twin: this test guards the pipeline's bytes, and the oneDNN engine's float rounding
// may differ between CPUs (its kernels are chosen by instruction set); OneDnnOverlayCommandTest checks its maps.
class OverlayGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/overlay.sha256");
    private static final List<String> METHODS = List.of("gradient", "gradcam", "smoothgrad");

    @TempDir
    Path tmp;

    @Test
    void outputsAreByteForByteTheGoldenOnes() throws Exception {
        Path input = Path.of("samples/fashion-mnist");
        List<String> images;
        try (Stream<Path> s = Files.list(input)) {
            images = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().limit(3).toList();
        }
        String inputs = images.stream().map(n -> input.resolve(n).toString()).collect(Collectors.joining(","));
        Map<String, String> digests = new TreeMap<>();
        for (String method : METHODS) {
            Path out = (System.getProperty("heed.golden.keep") != null ? Path.of(System.getProperty("heed.golden.keep")) : tmp).resolve(method);
            Run run = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", method, "--input", inputs,
                    "--output", out.toString(), "--backend", "cpu", "--cpu-engine", "reference", "--target", "topk:2", "--samples", "4", "--seed", "11",
                    "--batch-size", "2", "--progress", "lines");
            assertEquals(0, run.exit(), run.err());
            try (Stream<Path> files = Files.list(out)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().startsWith("summary.")).toList()) {
                    digests.put(method + "/" + f.getFileName(), HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                }
            }
        }
        String actual = digests.entrySet().stream().map(e -> e.getValue() + "  " + e.getKey()).collect(Collectors.joining("\n", "", "\n"));
        if (Boolean.getBoolean("heed.golden.write")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), actual, "outputs differ from the golden ones (see the file names)");
    }
}
