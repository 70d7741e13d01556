package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.render.ColorBar;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Normalization;
import dev.heed.toolkit.render.Range;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The render stage: each map's range (one normalisation over the batch's maps), the image as drawn under it (the
 * model's region, scaled up by a whole factor to at least the display side), and the blended overlay, drawn by the
 * backend in as few {@link Backend#overlay} calls as there are distinct display and map sizes (one, for a model's
 * batch), so the CUDA backend streams the batch through the GPU instead of one map per call.
 */
public final class Renderer {
    private final Backend backend;
    private final Normalization normalization;
    private final Colormap colormap;
    private final double alpha;
    private final int minDisplaySide;

    /**
     * @param normalization null for the map's own: signed maps get {@link Normalization.Signed}, others min-max
     * @param colormap null for BWR on signed scales, else viridis
     */
    public Renderer(Backend backend, Normalization normalization, Colormap colormap, double alpha, int minDisplaySide) {
        this.backend = backend;
        this.normalization = normalization;
        this.colormap = colormap;
        this.alpha = alpha;
        this.minDisplaySide = minDisplaySide;
    }

    /** An image as drawn under its map. */
    public record Display(int width, int height, int scale, int[] rgb) {
    }

    /** One drawn map: the map with its input, range, normalisation, colormap, display image and blended pixels. */
    public record Rendered(Heatmap map, ImageInput input, Range range, Normalization normalization, Colormap colormap, Display display,
                           int[] blended) {
        /** The overlay with a colour bar in raw units at its right, as written to PNG. */
        public BufferedImage withColorBar() {
            return Images.withColorBar(overlay(), ColorBar.vertical(colormap, range, display.height()));
        }

        /** The overlay alone (a montage tile). */
        public BufferedImage overlay() {
            return Images.toImage(blended, display.width(), display.height());
        }
    }

    /** Draws {@code maps}, whose image indexes point into {@code inputs}; a backend failure is thrown for the whole batch. */
    public List<Rendered> render(List<ImageInput> inputs, List<Heatmap> maps) {
        if (maps.isEmpty()) {
            return List.of();
        }
        int pixels = maps.get(0).height() * maps.get(0).width();
        float[] all = new float[maps.size() * pixels];
        for (int k = 0; k < maps.size(); k++) {
            System.arraycopy(maps.get(k).values(), 0, all, k * pixels, pixels);
        }
        Normalization norm = normalization != null ? normalization
                : maps.get(0).signed() ? new Normalization.Signed() : new Normalization.MinMax();
        Colormap cmap = colormap != null ? colormap : norm.signedScale() ? Colormap.BWR : Colormap.VIRIDIS;
        Range[] ranges = norm.ranges(all, maps.size(), pixels, backend);
        List<Display> displays = new ArrayList<>();
        for (Heatmap map : maps) {
            displays.add(display(inputs.get(map.imageIndex())));
        }
        int[][] blended = overlays(maps, displays, ranges, cmap);
        List<Rendered> out = new ArrayList<>();
        for (int k = 0; k < maps.size(); k++) {
            out.add(new Rendered(maps.get(k), inputs.get(maps.get(k).imageIndex()), ranges[k], norm, cmap, displays.get(k), blended[k]));
        }
        return out;
    }

    private Display display(ImageInput in) {
        ModelInput.Region region = in.region();
        int scale = Math.max(1, (int) Math.ceil((double) minDisplaySide / Math.min(region.width(), region.height())));
        int dw = region.width() * scale;
        int dh = region.height() * scale;
        int[] regionRgb = ModelInput.crop(in.image().rgb(), in.image().width(), region);
        int[] rgb = new int[dw * dh];
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                rgb[y * dw + x] = regionRgb[(y / scale) * region.width() + x / scale];
            }
        }
        return new Display(dw, dh, scale, rgb);
    }

    private int[][] overlays(List<Heatmap> maps, List<Display> displays, Range[] ranges, Colormap cmap) {
        int[][] out = new int[maps.size()][];
        Map<List<Integer>, List<Integer>> groups = new LinkedHashMap<>();
        for (int k = 0; k < maps.size(); k++) {
            Display d = displays.get(k);
            groups.computeIfAbsent(List.of(d.width(), d.height(), maps.get(k).width(), maps.get(k).height()), key -> new ArrayList<>()).add(k);
        }
        for (Map.Entry<List<Integer>, List<Integer>> g : groups.entrySet()) {
            int dw = g.getKey().get(0);
            int dh = g.getKey().get(1);
            int mw = g.getKey().get(2);
            int mh = g.getKey().get(3);
            List<Integer> members = g.getValue();
            int n = members.size();
            float[] values = new float[n * mw * mh];
            int[] images = new int[n * dw * dh];
            float[] lo = new float[n];
            float[] hi = new float[n];
            for (int i = 0; i < n; i++) {
                int k = members.get(i);
                System.arraycopy(maps.get(k).values(), 0, values, i * mw * mh, mw * mh);
                System.arraycopy(displays.get(k).rgb(), 0, images, i * dw * dh, dw * dh);
                lo[i] = (float) ranges[k].lo();
                hi[i] = (float) ranges[k].hi();
            }
            RgbImages blended = backend.overlay(new Maps(values, n, mh, mw), new RgbImages(images, n, dh, dw), MapRange.given(lo, hi),
                    new Blend(cmap.packedLut(), (float) alpha));
            for (int i = 0; i < n; i++) {
                out[members.get(i)] = blended.image(i);
            }
        }
        return out;
    }
}
