package dev.heed.toolkit.backend;

/**
 * The argument checks every backend makes, in one place, so a bad call fails with the same message on every backend
 * (the contract tests compare messages).
 */
public final class BackendArguments {
    private BackendArguments() {
    }

    /** An array's length against what the shapes say. */
    public static void checkLength(String what, int length, long expected) {
        if (length != expected) {
            throw new IllegalArgumentException(what + " has " + length + " values, expected " + expected);
        }
    }

    public static void checkPercentiles(double lowPct, double highPct) {
        if (!(0 <= lowPct && lowPct <= highPct && highPct <= 100)) {
            throw new IllegalArgumentException("percentiles need 0 <= low <= high <= 100, got " + lowPct + " and " + highPct);
        }
    }

    public static void checkAlpha(float alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }

    /**
     * How many off-diagonal entries of a {@code tokens x tokens} matrix rollout discards: {@code floor(ratio * (t^2 - t))},
     * in float arithmetic (the same count on every backend).
     */
    public static int discardCount(float discardRatio, int tokens) {
        if (!(discardRatio >= 0f && discardRatio < 1f)) {
            throw new IllegalArgumentException("discardRatio must be in [0, 1), got " + discardRatio);
        }
        return (int) Math.floor(discardRatio * (tokens * tokens - tokens));
    }

    /** The arguments of {@link Backend#overlay}. */
    public static void checkOverlay(float[] maps, int n, int height, int width, int[] imagesRgb, int outHeight, int outWidth, float[] lo,
                                    float[] hi, int[] lutRgb, float alpha) {
        checkLength("maps", maps.length, (long) n * height * width);
        checkLength("images", imagesRgb.length, (long) n * outHeight * outWidth);
        checkLength("lut", lutRgb.length, 256);
        if ((lo == null) != (hi == null)) {
            throw new IllegalArgumentException("lo and hi must both be given or both be null");
        }
        if (lo != null) {
            checkLength("lo", lo.length, n);
            checkLength("hi", hi.length, n);
        }
        checkAlpha(alpha);
        if (n > 0 && outHeight * outWidth > 0 && height * width == 0) {
            throw new IllegalArgumentException("maps of " + height + "x" + width + " pixels cannot be upsampled to " + outHeight + "x" + outWidth);
        }
    }
}
