package dev.heed.toolkit.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.MapKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The typed map-kernel facade on whatever device the probe finds (a GPU, or the emulated driver): a call runs its
 * kernel, and a buffer too small for the stated shapes is refused in Java, naming the shapes, before any launch.
 */
class CudaMapKernelsTest {
    private static CudaDevice.Probe probe;

    @BeforeEach
    void open() {
        if (probe == null) {
            probe = CudaDevice.open(0);
        }
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
    }

    @AfterAll
    static void close() {
        if (probe != null && probe.available()) {
            probe.device().close();
        }
    }

    @Test
    void aCallRunsItsKernel() {
        CudaDevice device = probe.device();
        MapKernels kernels = new MapKernels(device);
        try (DeviceBuffer in = device.allocate(8, "test").upload(new float[] {0, 4});
             DeviceBuffer out = device.allocate(16, "test")) {
            kernels.upsampleBilinear(in, out, 1, 1, 2, 1, 4); // half-pixel centres: x at -0.25 (clamped), 0.25, 0.75, 1.25
            assertArrayEquals(new float[] {0, 1, 3, 4}, out.downloadFloats(4), 1e-6f);
        }
        assertEquals(0, device.liveBuffers());
    }

    @Test
    void aBufferTooSmallForTheShapesIsRefusedBeforeTheLaunch() {
        CudaDevice device = probe.device();
        MapKernels kernels = new MapKernels(device);
        try (DeviceBuffer in = device.allocate(8, "test").upload(new float[] {0, 4});
             DeviceBuffer out = device.allocate(12, "test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernels.upsampleBilinear(in, out, 1, 1, 2, 1, 4));
            assertTrue(e.getMessage().contains("output buffer of 12 bytes") && e.getMessage().contains("[1][1][2] -> 1x4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> kernels.minMax(in, out, 0, 2));
            assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        }
        assertEquals(0, device.liveBuffers());
    }
}
