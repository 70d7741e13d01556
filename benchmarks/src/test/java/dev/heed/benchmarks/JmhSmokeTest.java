package dev.heed.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The CPU side of the JMH suite as a short smoke run in CI: one short iteration of each map-maths and attention
 * benchmark, in process. It checks that the benchmarks run and report, not how fast: speed is read from real JMH
 * runs (see the README), never asserted in a test.
 */
class JmhSmokeTest {
    @Test
    void theCpuBenchmarksRunAndReport() throws Exception {
        Options options = new OptionsBuilder()
                .include("MapMathBenchmark|AttentionMathBenchmark")
                .param("backend", "cpu")
                .param("batch", "8")
                .param("workload", "vit-256")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .jvmArgsAppend("-Djmh.ignoreLock=true")
                .build();
        System.setProperty("jmh.ignoreLock", "true");
        Collection<RunResult> results = new Runner(options).run();
        assertEquals(7 + 3, results.size(), "seven map-maths and three attention benchmarks");
        for (RunResult r : results) {
            assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark());
        }
    }
}
