package dev.heed.toolkit.model;

import dev.heed.toolkit.io.InputImage;


/**
 * Turns an image into one model input (channels-first floats) under an explicit resize policy, and tells which part of
 * the image the model saw so that maps can be laid back over it.
 */
public final class ModelInput {

    /** How an image of any size becomes the model's input size. */
    public enum Resize {
        /** Scale both sides to the input size; the map covers the whole image. */
        STRETCH,
        /** Cut the largest centred region with the input's aspect ratio, then scale; the map covers that region. */
        CROP;

        public String id() {
            return name().toLowerCase();
        }

        public static Resize fromId(String id) {
            for (Resize r : values()) {
                if (r.id().equals(id)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown resize policy '" + id + "'; valid: stretch, crop");
        }
    }

    /** The region of the image {@code [x, y, width, height]} that the model sees. */
    public record Region(int x, int y, int width, int height) {
    }

    private ModelInput() {
    }

    public static Region region(int imageWidth, int imageHeight, ModelCard card, Resize resize) {
        if (resize == Resize.STRETCH) {
            return new Region(0, 0, imageWidth, imageHeight);
        }
        double target = (double) card.width() / card.height();
        int w = imageWidth;
        int h = (int) Math.round(w / target);
        if (h > imageHeight) {
            h = imageHeight;
            w = Math.max(1, (int) Math.round(h * target));
        }
        h = Math.max(1, h);
        return new Region((imageWidth - w) / 2, (imageHeight - h) / 2, w, h);
    }

    /** The model input for a whole image under a resize policy: the region, cropped, resampled and scaled. */
    public static float[] prepare(InputImage image, ModelCard card, Resize resize) {
        Region r = region(image.width(), image.height(), card, resize);
        return prepare(crop(image.rgb(), image.width(), r), r.width(), r.height(), card);
    }

    /** Packed RGB of just the region. */
    public static int[] crop(int[] rgb, int imageWidth, Region r) {
        int[] out = new int[r.width() * r.height()];
        for (int y = 0; y < r.height(); y++) {
            System.arraycopy(rgb, (r.y() + y) * imageWidth + r.x(), out, y * r.width(), r.width());
        }
        return out;
    }

    /**
     * The model input {@code [channels][height][width]}: the region resampled by area-averaging when shrinking and
     * bilinear when growing, converted to gray (ITU-R BT.601 luma) for one-channel models, times the card's pixel scale.
     */
    public static float[] prepare(int[] regionRgb, int regionWidth, int regionHeight, ModelCard card) {
        int channels = card.channels();
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images can feed models with 1 or 3 input channels; this one has " + channels);
        }
        float[][] planes = new float[3][regionWidth * regionHeight];
        for (int p = 0; p < regionRgb.length; p++) {
            planes[0][p] = (regionRgb[p] >> 16) & 0xFF;
            planes[1][p] = (regionRgb[p] >> 8) & 0xFF;
            planes[2][p] = regionRgb[p] & 0xFF;
        }
        float[] out = new float[channels * card.height() * card.width()];
        int plane = card.height() * card.width();
        if (channels == 1) {
            float[] gray = new float[regionRgb.length];
            for (int p = 0; p < gray.length; p++) {
                gray[p] = 0.299f * planes[0][p] + 0.587f * planes[1][p] + 0.114f * planes[2][p];
            }
            float[] resized = resample(gray, regionWidth, regionHeight, card.width(), card.height());
            for (int p = 0; p < plane; p++) {
                out[p] = (float) (resized[p] * card.pixelScale());
            }
        } else {
            for (int c = 0; c < 3; c++) {
                float[] resized = resample(planes[c], regionWidth, regionHeight, card.width(), card.height());
                for (int p = 0; p < plane; p++) {
                    out[c * plane + p] = (float) (resized[p] * card.pixelScale());
                }
            }
        }
        return out;
    }

    /**
     * Separable resize, one axis at a time: an axis that shrinks is area-averaged (no aliasing), an axis that grows is
     * interpolated linearly with half-pixel centres.
     */
    static float[] resample(float[] src, int w, int h, int outW, int outH) {
        float[] rows = new float[h * outW];
        for (int y = 0; y < h; y++) {
            resampleLine(src, y * w, 1, w, rows, y * outW, 1, outW);
        }
        float[] out = new float[outH * outW];
        for (int x = 0; x < outW; x++) {
            resampleLine(rows, x, outW, h, out, x, outW, outH);
        }
        return out;
    }

    /** Resamples {@code n} values read at {@code from + i*step} into {@code outN} values written likewise. */
    private static void resampleLine(float[] src, int from, int step, int n, float[] dst, int to, int outStep, int outN) {
        double scale = (double) n / outN;
        for (int o = 0; o < outN; o++) {
            double v;
            if (scale == 1) {
                v = src[from + o * step];
            } else if (scale > 1) {
                double start = o * scale;
                double end = Math.min(n, start + scale);
                double sum = 0;
                for (int i = (int) Math.floor(start); i < Math.min(n, (int) Math.ceil(end)); i++) {
                    sum += src[from + i * step] * (Math.min(i + 1, end) - Math.max(i, start));
                }
                v = sum / (end - start);
            } else {
                double position = Math.max(0, Math.min(n - 1, (o + 0.5) * scale - 0.5));
                int i0 = (int) position;
                int i1 = Math.min(i0 + 1, n - 1);
                double a = position - i0;
                v = src[from + i0 * step] * (1 - a) + src[from + i1 * step] * a;
            }
            dst[to + o * outStep] = (float) v;
        }
    }
}
