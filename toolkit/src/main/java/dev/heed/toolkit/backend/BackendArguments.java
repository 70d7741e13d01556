package dev.heed.toolkit.backend;

/**
 * The argument checks every backend makes, in one place, so a bad call fails with the same message on every backend
 * (the contract tests compare messages). The batch values check their own shapes with {@link #checkShape}; the ops
 * check how their arguments fit together.
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

    /** A batch value's array ({@code length} -1 when missing) against its dimensions, none negative. */
    static void checkShape(String what, int length, int... dimensions) {
        if (length < 0) {
            throw new IllegalArgumentException(what + " are missing");
        }
        long expected = 1;
        for (int d : dimensions) {
            if (d < 0) {
                throw new IllegalArgumentException(what + " cannot have a negative size: " + java.util.Arrays.toString(dimensions));
            }
            expected *= d;
        }
        checkLength(what, length, expected);
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

    /** Output sizes of a resize. */
    public static void checkSize(int outHeight, int outWidth) {
        if (outHeight < 0 || outWidth < 0) {
            throw new IllegalArgumentException("cannot resize to " + outHeight + "x" + outWidth);
        }
    }

    /** Channel weights {@code [n][c]} for a feature batch. */
    public static void checkWeights(Features features, float[] weights) {
        checkLength("weights", weights.length, (long) features.n() * features.channels());
    }

    /** Two arrays that an element-wise op reads side by side. */
    public static void checkSameShape(String what, int[] a, int[] b) {
        if (!java.util.Arrays.equals(a, b)) {
            throw new IllegalArgumentException(what + " must have one shape, got " + java.util.Arrays.toString(a) + " and "
                    + java.util.Arrays.toString(b));
        }
    }

    /** Two feature batches that an op reads side by side. */
    public static void checkSameShape(Features activations, Features gradients) {
        if (!activations.sameShape(gradients)) {
            throw new IllegalArgumentException("activations [" + activations.n() + "][" + activations.channels() + "][" + activations.height()
                    + "][" + activations.width() + "] and gradients [" + gradients.n() + "][" + gradients.channels() + "]["
                    + gradients.height() + "][" + gradients.width() + "] differ in shape");
        }
    }

    /** One image per map, of the same pixel count (the maps already at the images' size). */
    public static void checkPerPixel(Maps maps, RgbImages images) {
        checkLength("images", images.rgb().length, (long) maps.n() * maps.pixels());
    }

    /** Queries and keys of one shape, and a mask of {@code [n][tokens]}. */
    public static void checkAttention(HeadVectors q, HeadVectors k, KeyMask keyMask) {
        if (!q.sameShape(k)) {
            throw new IllegalArgumentException("q [" + q.n() + "][" + q.heads() + "][" + q.tokens() + "][" + q.dim() + "] and k ["
                    + k.n() + "][" + k.heads() + "][" + k.tokens() + "][" + k.dim() + "] differ in shape");
        }
        if (keyMask instanceof KeyMask.Valid valid) {
            checkLength("keyMask", valid.values().length, (long) q.n() * q.tokens());
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

    /** The arguments of {@link Backend#overlay}: one image per map, a range per map, maps with pixels to upsample. */
    public static void checkOverlay(Maps maps, RgbImages images, MapRange range) {
        if (images.n() != maps.n()) {
            throw new IllegalArgumentException(images.n() + " images for " + maps.n() + " maps");
        }
        if (range instanceof MapRange.Given given) {
            checkLength("lo", given.lo().length, maps.n());
        }
        if (maps.n() > 0 && images.pixels() > 0 && maps.pixels() == 0) {
            throw new IllegalArgumentException("maps of " + maps.height() + "x" + maps.width() + " pixels cannot be upsampled to "
                    + images.height() + "x" + images.width());
        }
    }
}
