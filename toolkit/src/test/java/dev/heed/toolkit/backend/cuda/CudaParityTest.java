package dev.heed.toolkit.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.render.Colormap;
import java.util.Random;
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
    private static final Random RANDOM = new Random(11);

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

    private static float[] random(int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) RANDOM.nextGaussian();
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            double bound = relative * Math.max(Math.abs(expected[i]), scale) + 1e-12;
            assertTrue(Math.abs(expected[i] - actual[i]) <= bound, "index " + i + ": cpu " + expected[i] + ", gpu " + actual[i]);
        }
    }

    @Test
    void camOpsAtResNetSize() {
        int n = 8, c = 2048, h = 7, w = 7;
        float[] a = random(n * c * h * w);
        float[] g = random(n * c * h * w);
        for (ChannelReduction r : ChannelReduction.values()) {
            assertClose(cpu.reduceChannels(g, n, c, h, w, r), gpu.reduceChannels(g, n, c, h, w, r), 1e-5);
        }
        assertClose(cpu.channelMeans(g, n, c, h, w), gpu.channelMeans(g, n, c, h, w), 1e-5);
        assertClose(cpu.gradCamPlusPlusWeights(a, g, n, c, h, w), gpu.gradCamPlusPlusWeights(a, g, n, c, h, w), 1e-5);
        float[] weights = random(n * c);
        assertClose(cpu.weightedChannelSum(a, weights, n, c, h, w, true), gpu.weightedChannelSum(a, weights, n, c, h, w, true), 1e-5);
    }

    @Test
    void overlayOpsAt224() {
        int n = 16;
        float[] maps = random(n * 7 * 7);
        float[] up = cpu.upsampleBilinear(maps, n, 7, 7, 224, 224);
        assertClose(up, gpu.upsampleBilinear(maps, n, 7, 7, 224, 224), 1e-5);
        int pixels = 224 * 224;
        assertClose(cpu.minMax(up, n, pixels), gpu.minMax(up, n, pixels), 0);
        float[] lo = new float[n];
        float[] hi = new float[n];
        for (int i = 0; i < n; i++) {
            lo[i] = -1;
            hi[i] = 1.5f;
        }
        float[] unit = cpu.normalize(up, n, pixels, lo, hi);
        assertClose(unit, gpu.normalize(up, n, pixels, lo, hi), 1e-5);
        int[] images = new int[n * pixels];
        for (int i = 0; i < images.length; i++) {
            images[i] = RANDOM.nextInt(1 << 24);
        }
        int[] expected = cpu.colorizeBlend(unit, images, n, pixels, Colormap.VIRIDIS.packedLut(), 0.4f);
        int[] actual = gpu.colorizeBlend(unit, images, n, pixels, Colormap.VIRIDIS.packedLut(), 0.4f);
        for (int i = 0; i < expected.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                assertTrue(Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF)) <= 1, "pixel " + i);
            }
        }
    }

    @Test
    void attentionAtVitAndBertSizes() {
        int n = 2, heads = 12, tokens = 197, d = 64;
        float[] q = random(n * heads * tokens * d);
        float[] k = random(n * heads * tokens * d);
        float[] mask = new float[n * tokens];
        java.util.Arrays.fill(mask, 1f);
        mask[tokens + 5] = 0f;
        float[] p = cpu.attentionProbabilities(q, k, mask, n, heads, tokens, d, 0.125f);
        assertClose(p, gpu.attentionProbabilities(q, k, mask, n, heads, tokens, d, 0.125f), 1e-5);
        for (HeadFusion f : HeadFusion.values()) {
            assertClose(cpu.fuseHeads(p, n, heads, tokens, f), gpu.fuseHeads(p, n, heads, tokens, f), 1e-5);
        }
        float[] layers = new float[n * 12 * tokens * tokens];
        for (int l = 0; l < 12; l++) {
            float[] fused = cpu.fuseHeads(p, n, heads, tokens, HeadFusion.MEAN);
            for (int i = 0; i < n; i++) {
                System.arraycopy(fused, i * tokens * tokens, layers, (i * 12 + l) * tokens * tokens, tokens * tokens);
            }
        }
        assertClose(cpu.rollout(layers, n, 12, tokens, 0f, true), gpu.rollout(layers, n, 12, tokens, 0f, true), 1e-5);
        float[] bert = random(1 * 12 * 512 * 64);
        assertClose(cpu.attentionProbabilities(bert, bert, null, 1, 12, 512, 64, 0.125f),
                gpu.attentionProbabilities(bert, bert, null, 1, 12, 512, 64, 0.125f), 1e-5);
    }

    @Test
    void noDeviceBufferOutlivesItsOpOverThousandsOfBatches() {
        CudaBackend cuda = (CudaBackend) gpu;
        float[] maps = random(4 * 7 * 7);
        for (int i = 0; i < 2000; i++) {
            cuda.upsampleBilinear(maps, 4, 7, 7, 28, 28);
            cuda.minMax(maps, 4, 49);
        }
        assertEquals(0, cuda.liveBuffers());
    }
}
