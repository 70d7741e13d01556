package dev.heed.toolkit.io;

import dev.heed.toolkit.model.ModelCard;

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

    /** Area average per output pixel when shrinking (no aliasing), bilinear with half-pixel centres otherwise. */
    static float[] resample(float[] src, int w, int h, int outW, int outH) {
        if (w == outW && h == outH) {
            return src.clone();
        }
        float[] out = new float[outW * outH];
        double sx = (double) w / outW;
        double sy = (double) h / outH;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                out[y * outW + x] = (float) (sx >= 1 && sy >= 1 ? area(src, w, x * sx, y * sy, sx, sy) : bilinear(src, w, h, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5));
            }
        }
        return out;
    }

    private static double area(float[] src, int w, double x0, double y0, double sx, double sy) {
        double sum = 0;
        double weight = 0;
        for (int y = (int) Math.floor(y0); y < Math.ceil(y0 + sy); y++) {
            double wy = Math.min(y + 1, y0 + sy) - Math.max(y, y0);
            for (int x = (int) Math.floor(x0); x < Math.ceil(x0 + sx); x++) {
                double wx = Math.min(x + 1, x0 + sx) - Math.max(x, x0);
                sum += src[y * w + x] * wx * wy;
                weight += wx * wy;
            }
        }
        return sum / weight;
    }

    private static double bilinear(float[] src, int w, int h, double fx, double fy) {
        fx = Math.max(0, Math.min(w - 1, fx));
        fy = Math.max(0, Math.min(h - 1, fy));
        int x0 = (int) fx;
        int y0 = (int) fy;
        int x1 = Math.min(x0 + 1, w - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        double ax = fx - x0;
        double ay = fy - y0;
        double top = src[y0 * w + x0] * (1 - ax) + src[y0 * w + x1] * ax;
        double bottom = src[y1 * w + x0] * (1 - ax) + src[y1 * w + x1] * ax;
        return top * (1 - ay) + bottom * ay;
    }
}
