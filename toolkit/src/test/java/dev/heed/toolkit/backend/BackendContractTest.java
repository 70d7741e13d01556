package dev.heed.toolkit.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Overlay;
import dev.heed.toolkit.render.Range;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every backend must compute, checked against values worked out by hand and against the plain-Java render maths.
 * A backend enrols by subclassing and saying how to open it; the CUDA backend's subclass skips without a GPU.
 */
public abstract class BackendContractTest {
    protected Backend backend;

    protected abstract Backend open();

    /** How far a backend may drift from hand-computed values. */
    protected float tolerance() {
        return 1e-6f;
    }

    @BeforeEach
    void openBackend() {
        backend = open();
    }

    @AfterEach
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    // Two images, two channels, 1x2 pixels: image 0 channels [1, -2] and [-3, 0.5]; image 1 channels [2, 2] and [1, -1].
    private static final float[] FEATURES = {1, -2, -3, 0.5f, 2, 2, 1, -1};

    @Test
    void reduceChannels() {
        assertArrayEquals(new float[] {3, 2, 2, 2}, backend.reduceChannels(FEATURES, 2, 2, 1, 2, ChannelReduction.MAX_ABS), tolerance());
        assertArrayEquals(new float[] {4, 2.5f, 3, 3}, backend.reduceChannels(FEATURES, 2, 2, 1, 2, ChannelReduction.SUM_ABS), tolerance());
        assertArrayEquals(new float[] {-2, -1.5f, 3, 1}, backend.reduceChannels(FEATURES, 2, 2, 1, 2, ChannelReduction.SUM), tolerance());
        assertArrayEquals(new float[] {(float) Math.sqrt(10), (float) Math.sqrt(4.25), (float) Math.sqrt(5), (float) Math.sqrt(5)},
                backend.reduceChannels(FEATURES, 2, 2, 1, 2, ChannelReduction.L2), tolerance());
    }

    @Test
    void channelMeansAndWeightedSum() {
        assertArrayEquals(new float[] {-0.5f, -1.25f, 2, 0}, backend.channelMeans(FEATURES, 2, 2, 1, 2), tolerance());
        float[] weights = {2, -1, 0.5f, 1};
        // image 0: 2*[1,-2] - [-3,0.5] = [5, -4.5]; image 1: 0.5*[2,2] + [1,-1] = [2, 0]
        assertArrayEquals(new float[] {5, -4.5f, 2, 0}, backend.weightedChannelSum(FEATURES, weights, 2, 2, 1, 2, false), tolerance());
        assertArrayEquals(new float[] {5, 0, 2, 0}, backend.weightedChannelSum(FEATURES, weights, 2, 2, 1, 2, true), tolerance());
    }

    @Test
    void gradCamPlusPlusWeights() {
        // one image, one channel, two pixels: A = [1, 3] (sum 4), g = [0.5, -1]
        // alpha_1 = 0.25 / (0.5 + 4 * 0.125) = 0.25; alpha_2 = 1 / (2 - 4) = -0.5, but relu(g_2) = 0; w = 0.25 * 0.5
        assertArrayEquals(new float[] {0.125f}, backend.gradCamPlusPlusWeights(new float[] {1, 3}, new float[] {0.5f, -1}, 1, 1, 1, 2), tolerance());
    }

    @Test
    void upsampleBilinearHalfPixelCentres() {
        // 1x2 -> 1x4: source x at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        assertArrayEquals(new float[] {0, 1, 3, 4}, backend.upsampleBilinear(new float[] {0, 4}, 1, 1, 2, 1, 4), tolerance());
        float[] same = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(same, backend.upsampleBilinear(same, 1, 2, 3, 2, 3), tolerance());
    }

    @Test
    void minMaxAndNormalize() {
        float[] maps = {1, 5, 3, -2, -2, -2};
        assertArrayEquals(new float[] {1, 5, -2, -2}, backend.minMax(maps, 2, 3), tolerance());
        assertArrayEquals(new float[] {0, 1, 0.5f, 0, 0, 0}, backend.normalize(maps, 2, 3, new float[] {1, -2}, new float[] {5, -2}), tolerance());
        assertArrayEquals(new float[] {0, 1, 1}, backend.normalize(new float[] {-1, 9, 3}, 1, 3, new float[] {0}, new float[] {2}), tolerance());
    }

    @Test
    void colorizeBlendMatchesTheRenderMaths() {
        Random random = new Random(4);
        int n = 3;
        int pixels = 50;
        float[] unit = new float[n * pixels];
        int[] images = new int[n * pixels];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = i % 7 == 0 ? 1f : random.nextFloat();
            images[i] = random.nextInt(1 << 24);
        }
        for (Colormap cmap : Colormap.values()) {
            int[] out = backend.colorizeBlend(unit, images, n, pixels, cmap.packedLut(), 0.4f);
            for (int i = 0; i < unit.length; i++) {
                int expected = Overlay.blend(images[i], cmap.rgb(unit[i]), 0.4);
                assertEquals(expected, out[i], cmap + " pixel " + i);
            }
        }
        assertArrayEquals(images, backend.colorizeBlend(unit, images, n, pixels, Colormap.JET.packedLut(), 0f));
    }

    @Test
    void wrongLengthsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.reduceChannels(new float[5], 1, 2, 1, 2, ChannelReduction.SUM));
        assertEquals("features has 5 values, expected 4", e.getMessage());
    }

    @Test
    void rangeToUnitAgreesWithNormalize() {
        Range r = new Range(-1, 3);
        float[] v = {-2, -1, 0, 1, 2.5f, 3, 4};
        float[] out = backend.normalize(v, 1, v.length, new float[] {-1}, new float[] {3});
        for (int i = 0; i < v.length; i++) {
            assertEquals(r.toUnit(v[i]), out[i], tolerance());
        }
    }
}
