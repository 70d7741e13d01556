package dev.heed.toolkit.method.smoothing;

import java.util.SplittableRandom;

/**
 * SmoothGrad's noise, shared by {@link SmoothGrad} (attributions averaged) and {@link SmoothedMaps} (maps averaged):
 * Gaussian, with a standard deviation of {@code noiseLevel} times one image's value range, drawn from the image's own
 * stream.
 */
final class Noise {
    private Noise() {
    }

    static void checkArguments(int samples, double noiseLevel) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        if (!(noiseLevel >= 0)) {
            throw new IllegalArgumentException("noise level must be >= 0, got " + noiseLevel);
        }
    }

    /** {@code noiseLevel * (max - min)} over {@code values[from, from + count)}: one image of a flat batch. */
    static double sigma(float[] values, int from, int count, double noiseLevel) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int p = from; p < from + count; p++) {
            lo = Math.min(lo, values[p]);
            hi = Math.max(hi, values[p]);
        }
        return noiseLevel * (hi - lo);
    }

    /** Box-Muller from the image's own stream; java.util.Random's Gaussian would tie us to a shared generator. */
    static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
