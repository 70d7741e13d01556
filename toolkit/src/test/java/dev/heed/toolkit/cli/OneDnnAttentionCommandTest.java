package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
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

/**
 * {@code heed attention} runs the transformers' passes on Heed's plan on oneDNN by default: every raw map the ViT and
 * MiniLM write (per-head attention, rollout, class-specific relevance, embedding-similarity saliency) against the same
 * run on the models' SameDiff graphs ({@code --cpu-engine reference}) within 1e-4 of each map's largest value, the
 * engine in provenance, and the refusal of an unknown engine.
 */
class OneDnnAttentionCommandTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void requireOneDnn() {
        String unavailable = OneDnnExecutor.unavailableReason();
        Assumptions.assumeTrue(unavailable == null, () -> "unverified: " + unavailable);
    }

    @Test
    void vitMapsOnOneDnnMatchSameDiff() throws Exception {
        List<String> images;
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            images = s.map(Path::toString).filter(n -> n.endsWith(".png")).sorted().limit(3).toList();
        }
        for (String engine : List.of("onednn", "reference")) {
            Run run = heed("attention", "--model", "models/fashion-vit.zip", "--input", String.join(",", images), "--output",
                    tmp.resolve(engine).toString(), "--target", "top1", "--batch-size", "2", "--backend", "cpu", "--cpu-engine", engine);
            assertEquals(0, run.exit(), run.err());
            assertTrue(!run.err().contains("model pass:"), "no fallback line expected: " + run.err());
        }
        int compared = compareTrees("class-to-patch.npy", "rollout.npy", "class-specific.npy");
        assertEquals(9, compared, "three maps for each of three images");
        assertEngines("heed-onednn", "samediff-cpu");
    }

    @Test
    void miniLmMapsOnOneDnnMatchSameDiff() throws Exception {
        for (String engine : List.of("onednn", "reference")) {
            Run run = heed("attention", "--model", "minilm", "--text", "The animal didn't cross the street because it was too tired.",
                    "--text", "A short one.", "--compare", "An animal was exhausted.", "--output", tmp.resolve(engine).toString(),
                    "--backend", "cpu", "--cpu-engine", engine);
            assertEquals(0, run.exit(), run.err());
            assertTrue(!run.err().contains("model pass:"), "no fallback line expected: " + run.err());
        }
        assertEquals(2, compareTrees("attention.npy"), "one attention tensor per sentence");
        for (String name : List.of("text-001", "text-002")) {
            double[] saliency = perToken(tmp.resolve("onednn").resolve(name));
            double[] reference = perToken(tmp.resolve("reference").resolve(name));
            assertClose(name + " saliency", reference, saliency);
        }
        assertEngines("heed-onednn", "samediff-cpu");
    }

    @Test
    void anUnknownEngineIsOneLineAndExitTwo() {
        Run run = heed("attention", "--model", "minilm", "--text", "Hello there.", "--output", tmp.resolve("out").toString(),
                "--cpu-engine", "mkl");
        assertEquals(2, run.exit());
        assertEquals("heed attention: unknown --cpu-engine 'mkl'; valid: onednn, reference", run.err().strip());
        assertTrue(Files.notExists(tmp.resolve("out")), "nothing is written for a bad option");
    }

    /** Compares each named .npy under {@code onednn/} with its twin under {@code reference/}; returns how many. */
    private int compareTrees(String... names) throws Exception {
        List<String> wanted = List.of(names);
        int compared = 0;
        try (Stream<Path> files = Files.walk(tmp.resolve("onednn"))) {
            for (Path file : files.filter(f -> wanted.contains(f.getFileName().toString())).sorted().toList()) {
                Path twin = tmp.resolve("reference").resolve(tmp.resolve("onednn").relativize(file));
                assertClose(file.toString(), toDouble(Npy.read(twin)), toDouble(Npy.read(file)));
                compared++;
            }
        }
        return compared;
    }

    @SuppressWarnings("unchecked")
    private void assertEngines(String onednn, String reference) throws Exception {
        for (String[] pair : new String[][] {{"onednn", onednn}, {"reference", reference}}) {
            List<Path> provenance = new ArrayList<>();
            try (Stream<Path> files = Files.walk(tmp.resolve(pair[0]))) {
                files.filter(f -> f.getFileName().toString().equals("provenance.json")).forEach(provenance::add);
            }
            assertTrue(!provenance.isEmpty(), "no provenance under " + pair[0]);
            for (Path file : provenance) {
                Map<String, Object> model = (Map<String, Object>) ((Map<String, Object>) Json.read(file)).get("model");
                assertEquals(pair[1], model.get("modelPass"), file.toString());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static double[] perToken(Path folder) throws Exception {
        Map<String, Object> saliency = (Map<String, Object>) ((Map<String, Object>) Json.read(folder.resolve("provenance.json"))).get("saliency");
        List<Number> values = (List<Number>) saliency.get("perToken");
        return values.stream().mapToDouble(Number::doubleValue).toArray();
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(largest > 0, what + ": the reference is all zero");
        assertTrue(worst <= 1e-4 * largest, what + ": differs by " + worst + ", the largest value is " + largest);
    }
}
