package dev.heed.toolkit.render;

/**
 * Alpha compositing of a colourised map over an image, as pure functions on packed 0xRRGGBB pixels. This is the
 * reference the GL viewer's blend shader and the CUDA colourise-and-blend op are checked against, so it fixes the
 * rounding: each channel is {@code round((1 - alpha) * image + alpha * heat)}, halves rounding up.
 */
public final class Overlay {

    private Overlay() {
    }

    /** One pixel blended; the top (alpha) byte of both inputs is ignored and zero in the result. */
    public static int blend(int imageRgb, int heatRgb, double alpha) {
        checkAlpha(alpha);
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int image = imageRgb >> shift & 0xFF;
            int heat = heatRgb >> shift & 0xFF;
            out |= (int) Math.round((1 - alpha) * image + alpha * heat) << shift;
        }
        return out;
    }

    /**
     * A new pixel array: each image pixel blended with {@code cmap.rgb(range.toUnit(v))} of the map value at the same
     * position. The map holds raw values, one per pixel, row-major like the image; neither input is changed.
     */
    public static int[] composite(int[] imageRgb, float[] map, int width, int height, Range range, Colormap cmap,
            double alpha) {
        checkAlpha(alpha);
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (imageRgb.length != pixels || map.length != pixels) {
            throw new IllegalArgumentException("a " + width + "x" + height + " composite needs " + pixels
                    + " pixels, got image " + imageRgb.length + " and map " + map.length);
        }
        if (range == null || cmap == null) {
            throw new IllegalArgumentException("range and colormap are required");
        }
        int[] out = new int[imageRgb.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = blend(imageRgb[i], cmap.rgb(range.toUnit(map[i])), alpha);
        }
        return out;
    }

    private static void checkAlpha(double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }
}
