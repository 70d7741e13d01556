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

    private static Features features() {
        return new Features(FEATURES, 2, 2, 1, 2);
    }

    private float[] reduce(ChannelReduction reduction) {
        return backend.reduceChannels(features(), reduction).values();
    }

    /** Rolls out {@code layers} matrices of {@code tokens x tokens} for one image. */
    private float[] rollout(float[] values, int layers, int tokens, float discardRatio, boolean renormalise) {
        return backend.rollout(new TokenMatrices(values, 1, layers, tokens), discardRatio, renormalise).values();
    }

    @Test
    void reduceChannels() {
        assertArrayEquals(new float[] {3, 2, 2, 2}, reduce(ChannelReduction.MAX_ABS), tolerance());
        assertArrayEquals(new float[] {4, 2.5f, 3, 3}, reduce(ChannelReduction.SUM_ABS), tolerance());
        assertArrayEquals(new float[] {-2, -1.5f, 3, 1}, reduce(ChannelReduction.SUM), tolerance());
        assertArrayEquals(new float[] {(float) Math.sqrt(10), (float) Math.sqrt(4.25), (float) Math.sqrt(5), (float) Math.sqrt(5)},
                reduce(ChannelReduction.L2), tolerance());
    }

    @Test
    void channelMeansAndWeightedSum() {
        assertArrayEquals(new float[] {-0.5f, -1.25f, 2, 0}, backend.channelMeans(features()), tolerance());
        float[] weights = {2, -1, 0.5f, 1};
        // image 0: 2*[1,-2] - [-3,0.5] = [5, -4.5]; image 1: 0.5*[2,2] + [1,-1] = [2, 0]
        assertArrayEquals(new float[] {5, -4.5f, 2, 0}, backend.weightedChannelSum(features(), weights, false).values(), tolerance());
        assertArrayEquals(new float[] {5, 0, 2, 0}, backend.weightedChannelSum(features(), weights, true).values(), tolerance());
    }

    @Test
    void gradCamPlusPlusWeights() {
        // one image, one channel, two pixels: A = [1, 3] (sum 4), g = [0.5, -1]
        // alpha_1 = 0.25 / (0.5 + 4 * 0.125) = 0.25; alpha_2 = 1 / (2 - 4) = -0.5, but relu(g_2) = 0; w = 0.25 * 0.5
        assertArrayEquals(new float[] {0.125f}, backend.gradCamPlusPlusWeights(new Features(new float[] {1, 3}, 1, 1, 1, 2),
                new Features(new float[] {0.5f, -1}, 1, 1, 1, 2)), tolerance());
    }

    @Test
    void upsampleBilinearHalfPixelCentres() {
        // 1x2 -> 1x4: source x at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        assertArrayEquals(new float[] {0, 1, 3, 4}, backend.upsampleBilinear(new Maps(new float[] {0, 4}, 1, 1, 2), 1, 4).values(), tolerance());
        float[] same = {1, 2, 3, 4, 5, 6};
        assertArrayEquals(same, backend.upsampleBilinear(new Maps(same, 1, 2, 3), 2, 3).values(), tolerance());
    }

    @Test
    void minMaxAndNormalize() {
        Maps maps = Maps.ofPixels(new float[] {1, 5, 3, -2, -2, -2}, 2, 3);
        assertArrayEquals(new float[] {1, 5, -2, -2}, backend.minMax(maps), tolerance());
        assertArrayEquals(new float[] {0, 1, 0.5f, 0, 0, 0},
                backend.normalize(maps, MapRange.given(new float[] {1, -2}, new float[] {5, -2})).values(), tolerance());
        assertArrayEquals(new float[] {0, 1, 1},
                backend.normalize(Maps.ofPixels(new float[] {-1, 9, 3}, 1, 3), MapRange.given(new float[] {0}, new float[] {2})).values(), tolerance());
        // an own range is each map's minimum and maximum
        assertArrayEquals(new float[] {0, 1, 0.5f, 0, 0, 0}, backend.normalize(maps, MapRange.own()).values(), tolerance());
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
            int[] out = backend.colorizeBlend(Maps.ofPixels(unit, n, pixels), new RgbImages(images, n, 1, pixels), new Blend(cmap.packedLut(), 0.4f)).rgb();
            for (int i = 0; i < unit.length; i++) {
                int expected = Overlay.blend(images[i], cmap.rgb(unit[i]), 0.4);
                assertEquals(expected, out[i], cmap + " pixel " + i);
            }
        }
        assertArrayEquals(images, backend.colorizeBlend(Maps.ofPixels(unit, n, pixels), new RgbImages(images, n, 1, pixels),
                new Blend(Colormap.JET.packedLut(), 0f)).rgb());
    }

    @Test
    void attentionProbabilitiesAreAMaskedSoftmaxOfScaledDotProducts() {
        // one head, two tokens, head size 1: q = [1, 2], k = [1, 0], so the logits are rows [1, 0] and [2, 0]
        HeadVectors q = new HeadVectors(new float[] {1, 2}, 1, 1, 2, 1);
        HeadVectors k = new HeadVectors(new float[] {1, 0}, 1, 1, 2, 1);
        double e = Math.E;
        double e2 = e * e;
        assertArrayEquals(new float[] {(float) (e / (e + 1)), (float) (1 / (e + 1)), (float) (e2 / (e2 + 1)), (float) (1 / (e2 + 1))},
                backend.attentionProbabilities(q, k, KeyMask.everyKey(), 1f).values(), tolerance());
        // the scale divides the logits before the softmax: scale 0.5 turns row 1 into [1, 0]
        assertEquals((float) (e / (e + 1)), backend.attentionProbabilities(q, k, KeyMask.everyKey(), 0.5f).values()[2], tolerance());
        // a masked key gets nothing, whatever its logit
        assertArrayEquals(new float[] {1, 0, 1, 0}, backend.attentionProbabilities(q, k, KeyMask.of(new float[] {1, 0}), 1f).values(), tolerance());
    }

    @Test
    void fuseHeads() {
        // two heads over two tokens
        TokenMatrices heads = new TokenMatrices(new float[] {0.2f, 0.8f, 0.5f, 0.5f, 0.6f, 0.4f, -0.1f, 1.1f}, 1, 2, 2);
        assertArrayEquals(new float[] {0.4f, 0.6f, 0.2f, 0.8f}, backend.fuseHeads(heads, HeadFusion.MEAN).values(), tolerance());
        assertArrayEquals(new float[] {0.6f, 0.8f, 0.5f, 1.1f}, backend.fuseHeads(heads, HeadFusion.MAX).values(), tolerance());
        assertArrayEquals(new float[] {0.2f, 0.4f, -0.1f, 0.5f}, backend.fuseHeads(heads, HeadFusion.MIN).values(), tolerance());
        assertArrayEquals(new float[] {0.4f, 0.6f, 0.25f, 0.8f}, backend.fuseHeads(heads, HeadFusion.MEAN_OF_POSITIVE).values(), tolerance());
    }

    @Test
    void rolloutChainsResidualMixingMatrices() {
        float[] layer = {0.5f, 0.5f, 0f, 1f};
        float[] twoLayers = {0.5f, 0.5f, 0f, 1f, 0.5f, 0.5f, 0f, 1f};
        // (A + I) / 2 = [[.75, .25], [0, 1]]; squared: [[.5625, .4375], [0, 1]]
        assertArrayEquals(new float[] {0.75f, 0.25f, 0f, 1f}, rollout(layer, 1, 2, 0f, true), tolerance());
        assertArrayEquals(new float[] {0.5625f, 0.4375f, 0f, 1f}, rollout(twoLayers, 2, 2, 0f, true), tolerance());
        // without renormalisation: (A + I)^2 = [[2.25, 1.75], [0, 4]]
        assertArrayEquals(new float[] {2.25f, 1.75f, 0f, 4f}, rollout(twoLayers, 2, 2, 0f, false), tolerance());
        // discarding half the off-diagonal entries drops the 0.3, leaving [[1.5, .5], [0, 1.7]] before renormalising
        assertArrayEquals(new float[] {0.75f, 0.25f, 0f, 1f},
                rollout(new float[] {0.5f, 0.5f, 0.3f, 0.7f}, 1, 2, 0.5f, true), tolerance());
    }

    @Test
    void rolloutDiscardsTiesInIndexOrder() {
        // off-diagonal entries 0.2, 0.1 | 0.1, 0.2 | 0.1, 0.3; the diagonal (0.5) is never discarded
        float[] a = {0.5f, 0.2f, 0.1f, 0.1f, 0.5f, 0.2f, 0.1f, 0.3f, 0.5f};
        // floor(0.34 * 6) = 2: the first two 0.1s (indices 2 and 3) go, the one at index 6 stays
        assertArrayEquals(new float[] {1.5f, 0.2f, 0f, 0f, 1.5f, 0.2f, 0.1f, 0.3f, 1.5f}, rollout(a, 1, 3, 0.34f, false), tolerance());
        // floor(0.5 * 6) = 3: all three 0.1s go
        assertArrayEquals(new float[] {1.5f, 0.2f, 0f, 0f, 1.5f, 0.2f, 0f, 0.3f, 1.5f}, rollout(a, 1, 3, 0.5f, false), tolerance());
    }

    @Test
    void percentilesMatchNumpy() {
        float[] maps = {3, -1, 7, 0.5f, 2, 10, 4, -2.5f, 0.25f, 0.75f, -0.125f, 1.5f, 6, -3, 2.25f, 0};
        float[] before = maps.clone();
        // numpy 1.24.2, method 'linear': np.percentile(a, (1, 99)) and np.percentile(b, (10, 90)) for
        // a = [3, -1, 7, 0.5, 2, 10, 4, -2.5], b = [0.25, 0.75, -0.125, 1.5, 6, -3, 2.25, 0]
        double[] r = backend.percentiles(Maps.ofPixels(maps, 2, 8), 1, 99);
        assertEquals(-2.395, r[0], 1e-12);
        assertEquals(9.79, r[1], 1e-12);
        assertEquals(-2.79875, r[2], 1e-12);
        assertEquals(5.737499999999999, r[3], 1e-12);
        double[] inner = backend.percentiles(Maps.ofPixels(maps, 2, 8), 10, 90);
        assertEquals(-0.9874999999999998, inner[2], 1e-12);
        assertEquals(3.374999999999999, inner[3], 1e-12);
        assertArrayEquals(new double[] {-2.5, 10, -3, 6}, backend.percentiles(Maps.ofPixels(maps, 2, 8), 0, 100));
        assertArrayEquals(before, maps, "percentiles changed the caller's array");
    }

    @Test
    void overlayIsUpsampleNormaliseColourAndBlend() {
        Maps maps = new Maps(new float[] {0, 1, 2, 3, -1, -1, -1, 5}, 2, 2, 2); // two 2x2 maps
        int[] rgb = new int[2 * 16];
        java.util.Arrays.fill(rgb, 0x336699);
        RgbImages images = new RgbImages(rgb, 2, 4, 4);
        Blend magma = new Blend(Colormap.MAGMA.packedLut(), 0.7f);
        Maps up = backend.upsampleBilinear(maps, 4, 4);
        Maps unit = backend.normalize(up, MapRange.given(new float[] {0, -1}, new float[] {3, 5}));
        assertArrayEquals(backend.colorizeBlend(unit, images, magma).rgb(), backend.overlay(maps, images, MapRange.own(), magma).rgb());
        MapRange given = MapRange.given(new float[] {-1, 0}, new float[] {2, 4});
        assertArrayEquals(backend.colorizeBlend(backend.normalize(up, given), images, magma).rgb(),
                backend.overlay(maps, images, given, magma).rgb(), "given ranges");
        assertEquals(0, backend.overlay(new Maps(new float[0], 0, 7, 7), new RgbImages(new int[0], 0, 4, 4), MapRange.own(), magma).rgb().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.overlay(new Maps(new float[0], 1, 0, 0), new RgbImages(new int[16], 1, 4, 4), MapRange.own(), magma));
        assertEquals("maps of 0x0 pixels cannot be upsampled to 4x4", e.getMessage());
    }

    @Test
    void wrongLengthsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.reduceChannels(new Features(new float[5], 1, 2, 1, 2), ChannelReduction.SUM));
        assertEquals("features has 5 values, expected 4", e.getMessage());
    }

    @Test
    void argumentsThatDoNotFitTogetherAreClearErrorsOnEveryBackend() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.weightedChannelSum(features(), new float[3], true));
        assertEquals("weights has 3 values, expected 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.gradCamPlusPlusWeights(features(), new Features(new float[8], 2, 2, 2, 1)));
        assertEquals("activations [2][2][1][2] and gradients [2][2][2][1] differ in shape", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.normalize(Maps.ofPixels(new float[4], 2, 2), MapRange.given(new float[1], new float[1])));
        assertEquals("lo has 1 values, expected 2", e.getMessage());
        Blend blend = new Blend(Colormap.MAGMA.packedLut(), 0.5f);
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.overlay(new Maps(new float[8], 2, 2, 2), new RgbImages(new int[16], 1, 4, 4), MapRange.own(), blend));
        assertEquals("1 images for 2 maps", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> backend.colorizeBlend(Maps.ofPixels(new float[4], 1, 4), new RgbImages(new int[2], 1, 1, 2), blend));
        assertEquals("images has 2 values, expected 4", e.getMessage());
        HeadVectors q = new HeadVectors(new float[4], 1, 1, 2, 2);
        e = assertThrows(IllegalArgumentException.class, () -> backend.attentionProbabilities(q, q, KeyMask.of(new float[3]), 1f));
        assertEquals("keyMask has 3 values, expected 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Blend(new int[10], 0.5f));
        assertEquals("lut has 10 values, expected 256", e.getMessage());
    }

    @Test
    void rangeToUnitAgreesWithNormalize() {
        Range r = new Range(-1, 3);
        float[] v = {-2, -1, 0, 1, 2.5f, 3, 4};
        float[] out = backend.normalize(Maps.ofPixels(v, 1, v.length), MapRange.given(new float[] {-1}, new float[] {3})).values();
        for (int i = 0; i < v.length; i++) {
            assertEquals(r.toUnit(v[i]), out[i], tolerance());
        }
    }
}
