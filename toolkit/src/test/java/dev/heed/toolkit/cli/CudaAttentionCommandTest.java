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
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        int compared = compareMaps(tmp.resolve("reference"), tmp.resolve("cuda"),
                List.of("class-to-patch.npy", "rollout.npy", "class-specific.npy"));
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
}
