package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.AttentionOutputs.assertClose;
import static dev.heed.toolkit.cli.AttentionOutputs.compareMaps;
import static dev.heed.toolkit.cli.AttentionOutputs.modelPasses;
import static dev.heed.toolkit.cli.AttentionOutputs.perToken;
import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
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
        int compared = compareMaps(tmp.resolve("reference"), tmp.resolve("onednn"),
                List.of("class-to-patch.npy", "rollout.npy", "class-specific.npy"));
        assertEquals(9, compared, "three maps for each of three images");
        assertEquals(Collections.nCopies(3, "heed-onednn"), modelPasses(tmp.resolve("onednn")));
        assertEquals(Collections.nCopies(3, "samediff-cpu"), modelPasses(tmp.resolve("reference")));
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
        assertEquals(2, compareMaps(tmp.resolve("reference"), tmp.resolve("onednn"), List.of("attention.npy")),
                "one attention tensor per sentence");
        for (String name : List.of("text-001", "text-002")) {
            assertClose(name + " saliency", perToken(tmp.resolve("reference").resolve(name)), perToken(tmp.resolve("onednn").resolve(name)));
        }
        assertEquals(Collections.nCopies(2, "heed-onednn"), modelPasses(tmp.resolve("onednn")));
        assertEquals(Collections.nCopies(2, "samediff-cpu"), modelPasses(tmp.resolve("reference")));
    }

    @Test
    void anUnknownEngineIsOneLineAndExitTwo() {
        Run run = heed("attention", "--model", "minilm", "--text", "Hello there.", "--output", tmp.resolve("out").toString(),
                "--cpu-engine", "mkl");
        assertEquals(2, run.exit());
        assertEquals("heed attention: unknown --cpu-engine 'mkl'; valid: onednn, reference", run.err().strip());
        assertTrue(Files.notExists(tmp.resolve("out")), "nothing is written for a bad option");
    }
}
