package dev.heed.toolkit.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.parity.BackendParity;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every op, CPU reference against the GPU, on random inputs at real sizes: relative error at most 1e-5 for float maths
 * (against the larger of the value and the array's largest magnitude, since float sums and double sums differ by
 * rounding), at most one level for RGBA8. Without a GPU every test is skipped with the probe's reason: unverified.
 */
class CudaParityTest {
    private static Backend gpu;
    private static CpuBackend cpu;

    private static BackendProvider.Probe probe;

    /** Each test skips on its own (not the class at once), so every one shows up as skipped, not as absent. */
    @BeforeEach
    void open() {
        if (probe == null) {
            CudaBackendProvider provider = new CudaBackendProvider();
            probe = provider.probe();
            if (probe.available()) {
                gpu = provider.create(2);
                cpu = new CpuBackend(2);
            }
        }
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
            cpu.close();
        }
    }

    @Test
    void everyOpMatchesTheCpuReference() {
        List<BackendParity.Result> results = BackendParity.compare(cpu, gpu);
        results.forEach(System.out::println);
        assertTrue(results.stream().allMatch(BackendParity.Result::passed), results.toString());
    }

    @Test
    void noDeviceBufferOutlivesItsOpOverThousandsOfBatches() {
        CudaBackend cuda = (CudaBackend) gpu;
        float[] values = new float[4 * 7 * 7];
        java.util.Arrays.fill(values, 0.5f);
        Maps maps = new Maps(values, 4, 7, 7);
        for (int i = 0; i < 2000; i++) {
            cuda.upsampleBilinear(maps, 28, 28);
            cuda.minMax(maps);
        }
        assertEquals(0, cuda.liveBuffers());
    }
}
