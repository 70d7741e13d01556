package dev.heed.toolkit.backend;

/**
 * A batch of feature maps (activations, gradients, per-channel attributions), row-major
 * {@code [n][channels][height][width]}. The shape is checked once, here; the record holds the caller's array without
 * copying it, and the ops never write to it.
 */
public record Features(float[] values, int n, int channels, int height, int width) {
    public Features {
        BackendArguments.checkShape("features", values == null ? -1 : values.length, n, channels, height, width);
    }

    /** Values per channel. */
    public int plane() {
        return height * width;
    }

    /** Whether {@code other} has this batch's shape. */
    public boolean sameShape(Features other) {
        return n == other.n && channels == other.channels && height == other.height && width == other.width;
    }

    /** A copy of images {@code [from, from + count)}. */
    public Features slice(int from, int count) {
        java.util.Objects.checkFromIndexSize(from, count, n);
        int perImage = channels * plane();
        return new Features(java.util.Arrays.copyOfRange(values, from * perImage, (from + count) * perImage), count, channels, height, width);
    }
}
