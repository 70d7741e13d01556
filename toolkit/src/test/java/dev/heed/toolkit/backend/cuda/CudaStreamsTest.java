package dev.heed.toolkit.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.CudaException;
import dev.heed.kernels.CudaStream;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.KernelArguments;
import dev.heed.kernels.PinnedBuffer;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.render.Colormap;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pinned buffers, streams and the streamed overlay, on whatever device the probe finds: a GPU, or the emulated driver
 * (whose streams really are asynchronous, so a missing wait shows up as stale data). Skipped without either.
 */
class CudaStreamsTest {
    private static CudaDevice.Probe probe;
    private static CudaBackend gpu;
    private static CpuBackend cpu;

    @BeforeEach
    void open() {
        if (probe == null) {
            CudaBackendProvider provider = new CudaBackendProvider();
            probe = provider.probe().available() ? CudaDevice.open(0) : new CudaDevice.Probe(null, provider.probe().reason());
            if (probe.available()) {
                gpu = (CudaBackend) provider.create(2);
                cpu = new CpuBackend(2);
            }
        }
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
    }

    @AfterAll
    static void close() {
        if (probe != null && probe.available()) {
            gpu.close();
            cpu.close();
            probe.device().close();
        }
    }

    private static boolean emulated() {
        return probe.device().name().contains("emulated");
    }

    @Test
    void streamedOverlayMatchesTheReferenceOverManyChunks() {
        int n = 37; // odd, so the last chunk is short; more than four chunks, so both lanes are reused
        int side = 96;
        Random random = new Random(5);
        float[] maps = new float[n * 49];
        int[] images = new int[n * side * side];
        for (int i = 0; i < maps.length; i++) {
            maps[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(1 << 24);
        }
        float[] lo = new float[n];
        float[] hi = new float[n];
        for (int i = 0; i < n; i++) {
            lo[i] = -1f + 0.01f * i;
            hi[i] = 1.5f;
        }
        Blend turbo = new Blend(Colormap.TURBO.packedLut(), 0.5f);
        for (boolean given : new boolean[] {false, true}) {
            MapRange range = given ? MapRange.given(lo, hi) : MapRange.own();
            int[] expected = cpu.overlay(new Maps(maps, n, 7, 7), new RgbImages(images, n, side, side), range, turbo).rgb();
            int[] actual = gpu.overlay(new Maps(maps, n, 7, 7), new RgbImages(images, n, side, side), range, turbo).rgb();
            int worst = 0;
            for (int i = 0; i < expected.length; i++) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    worst = Math.max(worst, Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF)));
                }
            }
            assertTrue(worst <= 1, "largest channel difference " + worst + " levels" + (given ? " with given ranges" : ""));
        }
        assertEquals(0, gpu.liveBuffers(), "buffers or streams left open");
    }

    @Test
    void aCopyQueuedOnAStreamLandsOnlyByItsWait() {
        Assumptions.assumeTrue(emulated(), "checks the emulated driver's asynchrony; a GPU's timing is not the test's to fix");
        CudaDevice device = probe.device();
        float[] values = {1, 2, 3, 4};
        try (CudaStream stream = device.createStream();
             PinnedBuffer host = device.allocatePinned(16, "test");
             DeviceBuffer buffer = device.allocate(16, "test").upload(values)) {
            stream.download(host, buffer, 16);
            float[] early = new float[4];
            host.floats().get(early); // read before the wait: the emulated stream has not run the copy yet
            stream.await();
            float[] late = new float[4];
            host.floats().get(late);
            assertNotEquals(values[3], early[3], "the emulated stream ran the copy before the wait");
            assertArrayEquals(values, late);
        }
    }

    @Test
    void aLaunchWithArgumentsThatDoNotMatchTheKernelIsOneClearError() {
        CudaDevice device = probe.device();
        try (DeviceBuffer buffer = device.allocate(64, "test")) {
            // normalize takes (maps, lo, hi, out, n, pixels): one pointer and one int short
            CudaException e = assertThrows(CudaException.class, () -> device.launch("normalize", new int[] {1, 1, 1},
                    new int[] {32, 1, 1}, 0, new KernelArguments().pointer(buffer).pointer(buffer).pointer(buffer).int32(1), "[1][16]"));
            assertTrue(e.getMessage().contains("normalize") && e.getMessage().contains("[1][16]"), e.getMessage());
        }
        assertEquals(0, device.liveBuffers());
    }

    @Test
    void aBatchTooBigForTheDeviceIsSplitAndStillRight() {
        Assumptions.assumeTrue(emulated() || probe.device().memory()[0] < (1L << 30),
                "needs a device smaller than the batch (the emulated one has 256 MiB)");
        int n = 68; // 68 maps upsampled to 1024 x 1024 are 272 MiB of output alone
        float[] maps = new float[n * 4];
        for (int i = 0; i < maps.length; i++) {
            maps[i] = i % 7;
        }
        float[] expected = cpu.upsampleBilinear(new Maps(maps, n, 2, 2), 1024, 1024).values();
        float[] actual = gpu.upsampleBilinear(new Maps(maps, n, 2, 2), 1024, 1024).values();
        assertArrayEquals(expected, actual, 1e-5f);
        assertEquals(0, gpu.liveBuffers());
    }
}
