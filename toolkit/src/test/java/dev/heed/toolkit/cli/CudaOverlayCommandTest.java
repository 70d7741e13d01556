package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.io.Npy;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code heed overlay --backend cuda} end to end (model on ND4J, map maths and percentile normalisation through the
 * CUDA backend) against the same run with {@code --backend cpu}. Skipped without a device (real or emulated).
 */
class CudaOverlayCommandTest {
    @TempDir
    Path tmp;

    private int heed(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = HeedMain.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        assertEquals(0, exit, err.toString());
        return exit;
    }

    @Test
    void cudaRunGivesTheCpuRunsMapsAndOverlays() throws Exception {
        BackendProvider.Probe probe = new CudaBackendProvider().probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
        Path input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(3).toList()) {
                Files.copy(p, input.resolve(p.getFileName()));
            }
        }
        for (String backend : List.of("cpu", "cuda")) {
            heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam++", "--input", input.toString(),
                    "--output", tmp.resolve(backend).toString(), "--backend", backend, "--normalize", "percentile:1:99");
        }
        List<Path> sidecars;
        try (Stream<Path> s = Files.list(tmp.resolve("cuda"))) {
            sidecars = s.filter(p -> p.getFileName().toString().contains(".gradcam++.c") && p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(3, sidecars.size());
        long pixels = 0;
        long offByMore = 0;
        for (Path sidecar : sidecars) {
            Map<String, Object> p = Json.read(sidecar);
            assertEquals("cuda", p.get("backend"));
            String map = (String) ((Map<?, ?>) p.get("map")).get("file");
            float[] gpu = Npy.read(tmp.resolve("cuda").resolve(map));
            float[] cpu = Npy.read(tmp.resolve("cpu").resolve(map));
            float scale = 0;
            for (float v : cpu) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < cpu.length; i++) {
                assertEquals(cpu[i], gpu[i], 1e-5f * scale, map + " at " + i);
            }
            String overlay = (String) p.get("overlay");
            BufferedImage a = ImageIO.read(tmp.resolve("cpu").resolve(overlay).toFile());
            BufferedImage b = ImageIO.read(tmp.resolve("cuda").resolve(overlay).toFile());
            for (int y = 0; y < a.getHeight(); y++) {
                for (int x = 0; x < a.getWidth(); x++) {
                    int ca = a.getRGB(x, y);
                    int cb = b.getRGB(x, y);
                    int worst = 0;
                    for (int shift = 0; shift <= 16; shift += 8) {
                        worst = Math.max(worst, Math.abs((ca >> shift & 0xFF) - (cb >> shift & 0xFF)));
                    }
                    pixels++;
                    offByMore += worst > 1 ? 1 : 0;
                }
            }
        }
        // maps that differ by float rounding may put a pixel on the neighbouring colour-table entry; nothing more
        assertTrue(offByMore <= pixels / 1000, offByMore + " of " + pixels + " overlay pixels differ by more than one level");
    }
}
