package dev.heed.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The JNI library loads and the probe answers on any machine: with a GPU it opens the device and loads the kernels;
 * without one it names the reason (this machine and CI have no NVIDIA driver), and nothing crashes the JVM.
 */
class CudaDeviceTest {
    @Test
    void theProbeOpensADeviceOrSaysWhyNot() {
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (probe.available()) {
            try (CudaDevice device = probe.device()) {
                assertTrue(!device.name().isEmpty() && device.capability() >= 75, device.name() + " sm_" + device.capability());
                try (DeviceBuffer buffer = device.allocate(16, "test")) {
                    buffer.upload(new float[] {1, 2, 3, 4});
                    assertArrayEquals(new float[] {1, 2, 3, 4}, buffer.downloadFloats(4));
                }
            }
        } else {
            System.out.println("CUDA unverified here: " + probe.reason());
            assertTrue(probe.reason().startsWith("no CUDA device: "), probe.reason());
            assertTrue(!probe.reason().contains("JNI library cannot be loaded"), "the JNI library itself must load: " + probe.reason());
        }
    }

    @Test
    void argumentsArePackedAtTheirNaturalAlignment() {
        byte[] packed = new KernelArguments().int32(7).int64(9).float32(1.5f).int32(-1).bytes();
        // int at 0, long at 8 (after 4 bytes of padding), float at 16, int at 20
        assertTrue(packed.length == 24);
        assertTrue(packed[0] == 7 && packed[4] == 0 && packed[8] == 9 && packed[20] == -1);
        assertTrue(Float.intBitsToFloat((packed[16] & 0xFF) | (packed[17] & 0xFF) << 8 | (packed[18] & 0xFF) << 16 | (packed[19] & 0xFF) << 24) == 1.5f);
    }
}
