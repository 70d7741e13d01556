package dev.heed.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The engine's benchmarks (what a lent GPU runs first: the passes, and each convolution shape alone) once each, in process, on the emulated CUDA driver that the
 * toolkit's build makes, at a toy size: a benchmark that throws (a class the bundle lacks, a scope not closed, a shape
 * the overlay refuses) fails here, not on the GPU. Skipped, saying why, when the toolkit's build has not made the
 * driver. Speed is not asserted.
 */
class EngineBenchmarkEmulatedTest {
    private static final Path DRIVER = Path.of("../toolkit/target/emulated-cuda-driver/libcuda.so.1").toAbsolutePath().normalize();

    @Test
    void theEngineBenchmarksRunOnTheEmulatedDriver() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(DRIVER), () -> "no emulated CUDA driver at " + DRIVER + " (mvn test in toolkit builds it)");
        System.setProperty("heed.cuda.driver", DRIVER.toString());
        System.setProperty("jmh.ignoreLock", "true");
        Collection<RunResult> results = runOnce(new OptionsBuilder().include("EnginePassBenchmark").param("size", "32"));
        assertEquals(4, results.size(), "forward, gradCamPass, gradCam and inputGradient");
        Collection<RunResult> shapes = runOnce(new OptionsBuilder().include("ConvShapeBenchmark").param("shape", "8>16 k3 s2 @9", "3>8 k7 s2 @15"));
        assertEquals(4, shapes.size(), "forward and input gradient of two shapes");
        assertEquals(2L * 16 * 5 * 5 * 8 * 9, ConvShapeBenchmark.macs(ConvShapeBenchmark.conv("8>16 k3 s2 @9", 2)),
                "the multiply-adds report.py counts: batch x out x 5 x 5 x in x 3 x 3");
    }

    /** Each selected benchmark once, in process, batch 2 in FP32; every one must report a positive time. */
    private static Collection<RunResult> runOnce(ChainedOptionsBuilder selected) throws Exception {
        Collection<RunResult> results = new Runner(selected
                .param("batch", "2")
                .param("precision", "FP32")
                .forks(0)
                .mode(Mode.SingleShotTime)
                .warmupIterations(0)
                .measurementIterations(1)
                .shouldFailOnError(true)
                .build()).run();
        for (RunResult r : results) {
            assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark());
        }
        return results;
    }
}
