package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@code --backend cuda:N} runs the model pass and the maps on device N, as a Spark task bound to its assigned GPU
 * does: the log names the device, the maps equal device 0's, and a device the machine lacks or a malformed ordinal is
 * one line and exit 2. The emulated driver presents two devices in the build ({@code HEED_EMULATED_DEVICES=2}); on a
 * real machine the test needs two GPUs and skips with the reason otherwise.
 */
class CudaDeviceChoiceTest {
    @TempDir
    Path tmp;
    Path input;

    @BeforeEach
    void requireTwoDevicesAndCopyImages() throws Exception {
        BackendProvider.Probe second = new CudaBackendProvider().probe(1);
        Assumptions.assumeTrue(second.available(), () -> "unverified, no second CUDA device: " + second.reason());
        input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(2).toList()) {
                Files.copy(p, input.resolve(p.getFileName()));
            }
        }
    }

    private Run overlay(String backend, String output) {
        return heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", input.toString(),
                "--output", tmp.resolve(output).toString(), "--backend", backend);
    }

    @Test
    void deviceOneRunsTheJobAndGivesDeviceZerosMaps() throws Exception {
        Run first = overlay("cuda:0", "zero");
        Run second = overlay("cuda:1", "one");
        assertEquals(0, first.exit(), first.err());
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("backend: cuda device 1 ("), second.err());
        String name = new CudaBackendProvider().probe(1).reason();
        assertTrue(second.err().contains("model pass: Heed's CUDA engine on " + name.substring(0, name.lastIndexOf(", sm_"))),
                "the pass runs on device 1 too: " + second.err());
        List<Path> maps;
        try (Stream<Path> s = Files.list(tmp.resolve("zero"))) {
            maps = s.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
        }
        assertEquals(2, maps.size());
        for (Path map : maps) {
            assertArrayEquals(Npy.read(map), Npy.read(tmp.resolve("one").resolve(map.getFileName())), map.getFileName().toString());
        }
    }

    @Test
    void aDeviceTheMachineLacksIsOneLine() {
        int count = 0;
        while (new CudaBackendProvider().probe(count).available()) {
            count++;
        }
        Run run = overlay("cuda:" + count, "missing");
        assertEquals(2, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("device " + count + " asked for, " + count + " present"), run.err());
    }

    @Test
    void aMalformedOrdinalIsOneLine() {
        Run run = overlay("cuda:first", "bad");
        assertEquals(2, run.exit(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("the device after ':' must be a number, e.g. cuda:1"), run.err());
    }
}
