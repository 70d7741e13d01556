package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Range;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Maps and model inputs as PNG data URIs, so that the trust page shows them without any file beside it. */
final class MapImages {
    private MapImages() {
    }

    /**
     * A map on its own scale: viridis over {@code [0, max]} when it has no negative value, else blue-white-red over
     * {@code [-m, m]} with {@code m} its largest magnitude, so that 0 is white.
     */
    static String map(Heatmap map) {
        float[] values = map.values();
        double lo = 0;
        double hi = 0;
        for (float v : values) {
            if (Float.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        boolean signed = lo < 0;
        double m = Math.max(-lo, hi);
        Range range = signed ? new Range(-m, m) : new Range(0, hi);
        Colormap cmap = signed ? Colormap.BWR : Colormap.VIRIDIS;
        int[] rgb = new int[values.length];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = cmap.rgb(range.toUnit(values[i]));
        }
        return png(rgb, map.width(), map.height());
    }

    /** A model input {@code [c][h][w]} stretched from its own minimum and maximum to 0..255; grey unless it has 3 channels. */
    static String input(float[] image, int channels, int width, int height) {
        int plane = width * height;
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : image) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double scale = hi > lo ? 255.0 / (hi - lo) : 0;
        int[] rgb = new int[plane];
        for (int p = 0; p < plane; p++) {
            int packed = 0;
            for (int ch = 0; ch < 3; ch++) {
                int source = channels == 3 ? ch : 0;
                int level = (int) Math.round((image[source * plane + p] - lo) * scale);
                packed = packed << 8 | Math.max(0, Math.min(255, level));
            }
            rgb[p] = packed;
        }
        return png(rgb, width, height);
    }

    private static String png(int[] rgb, int width, int height) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(Images.toImage(rgb, width, height), "png", bytes);
        } catch (IOException e) {
            // Writing to memory cannot fail for want of space; an IOException here is a broken ImageIO setup.
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
