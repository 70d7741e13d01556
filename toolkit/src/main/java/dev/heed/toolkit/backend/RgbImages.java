package dev.heed.toolkit.backend;

/**
 * A batch of {@code n} RGB images of {@code height x width} pixels, each pixel packed {@code 0xRRGGBB}, row-major
 * {@code [n][height][width]}. The shape is checked once, here; the record holds the caller's array without copying it.
 */
public record RgbImages(int[] rgb, int n, int height, int width) {
    public RgbImages {
        BackendArguments.checkShape("images", rgb == null ? -1 : rgb.length, n, height, width);
    }

    /** Pixels per image. */
    public int pixels() {
        return height * width;
    }

    /** A copy of image {@code i}. */
    public int[] image(int i) {
        java.util.Objects.checkIndex(i, n);
        return java.util.Arrays.copyOfRange(rgb, i * pixels(), (i + 1) * pixels());
    }
}
