package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code heed attention --backend cuda} runs the transformers' passes on Heed's CUDA engine beside the CUDA maps: the
 * ViT's raw maps (per-head attention, rollout, class-specific relevance) of two bundled images, and MiniLM's attention
 * and similarity saliency of two sentences, against {@code --backend cpu --cpu-engine reference} (the models' SameDiff
 * graphs and CPU maps) within 1e-4 of each map's largest value, and {@code heed-cuda} as the model pass in provenance. Skipped, with the probe's reason, without a CUDA device; the
 * build runs it on the emulated driver.
 */
class CudaAttentionCommandTest {
    @TempDir
    Path tmp;

    /** What one run printed and returned. */
    record Run(int exit, String err) {
    }

    private static Run heed(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = HeedMain.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), err.toString());
    }

    @BeforeEach
    void requireDevice() {
        BackendProvider.Probe probe = new CudaBackendProvider().probe(0);
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
    }

    @Test
    void vitMapsWithThePassOnCudaMatchTheReference() throws Exception {
        List<String> images;
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            images = s.map(Path::toString).filter(n -> n.endsWith(".png")).sorted().limit(2).toList();
        }
        Run cuda = heed("attention", "--model", "models/fashion-vit.zip", "--input", String.join(",", images), "--output",
                tmp.resolve("cuda").toString(), "--target", "top1", "--backend", "cuda");
        assertEquals(0, cuda.exit(), cuda.err());
        assertTrue(cuda.err().contains("model pass: Heed's CUDA engine"), "the log names the engine: " + cuda.err());
        Run reference = heed("attention", "--model", "models/fashion-vit.zip", "--input", String.join(",", images), "--output",
                tmp.resolve("reference").toString(), "--target", "top1", "--backend", "cpu", "--cpu-engine", "reference");
        assertEquals(0, reference.exit(), reference.err());
        List<String> maps = List.of("class-to-patch.npy", "rollout.npy", "class-specific.npy");
        int compared = 0;
        try (Stream<Path> files = Files.walk(tmp.resolve("cuda"))) {
            for (Path file : files.filter(f -> maps.contains(f.getFileName().toString())).sorted().toList()) {
                Path twin = tmp.resolve("reference").resolve(tmp.resolve("cuda").relativize(file));
                assertClose(file.toString(), Npy.read(twin), Npy.read(file));
                compared++;
            }
        }
        assertEquals(6, compared, "three maps for each of two images");
        assertEquals(List.of("heed-cuda", "heed-cuda"), modelPasses(tmp.resolve("cuda")));
        assertEquals(List.of("samediff-cpu", "samediff-cpu"), modelPasses(tmp.resolve("reference")));
    }

    @Test
    void miniLmMapsWithThePassOnCudaMatchTheReference() throws Exception {
        for (String[] run : new String[][] {{"cuda", "cuda", "onednn"}, {"reference", "cpu", "reference"}}) {
            Run done = heed("attention", "--model", "minilm", "--text", "The cat sat.", "--text", "A much longer second sentence.",
                    "--compare", "A kitten rested.", "--output", tmp.resolve(run[0]).toString(), "--backend", run[1], "--cpu-engine", run[2]);
            assertEquals(0, done.exit(), done.err());
        }
        for (String name : List.of("text-001", "text-002")) {
            Path cuda = tmp.resolve("cuda").resolve(name);
            Path reference = tmp.resolve("reference").resolve(name);
            assertClose(name + " attention", Npy.read(reference.resolve("attention.npy")), Npy.read(cuda.resolve("attention.npy")));
            assertClose(name + " saliency", perToken(reference), perToken(cuda));
        }
        assertEquals(List.of("heed-cuda", "heed-cuda"), modelPasses(tmp.resolve("cuda")));
    }

    @SuppressWarnings("unchecked")
    private static float[] perToken(Path folder) throws Exception {
        Map<String, Object> saliency = (Map<String, Object>) ((Map<String, Object>) Json.read(folder.resolve("provenance.json"))).get("saliency");
        List<Number> values = (List<Number>) saliency.get("perToken");
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> modelPasses(Path output) throws Exception {
        List<Object> passes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(output)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("provenance.json")).sorted().toList()) {
                passes.add(((Map<String, Object>) ((Map<String, Object>) Json.read(file)).get("model")).get("modelPass"));
            }
        }
        return passes;
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(largest > 0, what + ": the reference is all zero");
        System.out.printf("cuda-vs-reference %s %.2e%n", what, worst / largest);
        assertTrue(worst <= 1e-4 * largest, what + ": differs by " + worst + ", the largest value is " + largest);
    }
}
