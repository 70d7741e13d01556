package dev.heed.viewer;

import dev.heed.toolkit.render.Colormap;

/**
 * Everything the user has chosen, as one immutable value. Changing the colormap, alpha, threshold, normalisation,
 * zoom or pan only redraws; changing the image, method, target or layer asks for a new map.
 *
 * @param target index into the image's top-k prediction list
 * @param layer  for attention models the layer (-1: all layers, rolled out); ignored by methods without layers
 * @param head   for attention models the head (-1: heads fused)
 * @param compare what the second pane shows: nothing, the second method side by side, or the difference
 */
public record ViewState(int image, int method, int secondMethod, int target, int layer, int head, Colormap colormap,
                        float alpha, float threshold, Normalisation normalisation, Compare compare, boolean grid,
                        boolean help, float zoom, float panX, float panY) {
    /** How raw map values become [0, 1] before the colour lookup. */
    public enum Normalisation { MINMAX, PERCENTILE, SIGNED }

    public enum Compare { NONE, SIDE_BY_SIDE, DIFFERENCE }

    public static ViewState initial() {
        return new ViewState(0, 0, 1, 0, -1, -1, Colormap.VIRIDIS, 0.5f, 0f, Normalisation.MINMAX, Compare.NONE, false, true,
                1f, 0f, 0f);
    }

    /** The part of the state a map depends on; two states with equal keys show the same map. */
    public record MapKey(int image, int method, int target, int layer, int head) { }

    public MapKey mapKey() {
        return new MapKey(image, method, target, layer, head);
    }

    public MapKey secondKey() {
        return new MapKey(image, secondMethod, target, layer, head);
    }

    public ViewState withImage(int v) {
        return new ViewState(v, method, secondMethod, 0, layer, head, colormap, alpha, threshold, normalisation, compare, grid, help, 1f, 0f, 0f);
    }

    public ViewState withMethod(int v) {
        return new ViewState(image, v, secondMethod, target, layer, head, colormap, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withSecondMethod(int v) {
        return new ViewState(image, method, v, target, layer, head, colormap, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withTarget(int v) {
        return new ViewState(image, method, secondMethod, v, layer, head, colormap, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withLayer(int v) {
        return new ViewState(image, method, secondMethod, target, v, head, colormap, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withHead(int v) {
        return new ViewState(image, method, secondMethod, target, layer, v, colormap, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withColormap(Colormap v) {
        return new ViewState(image, method, secondMethod, target, layer, head, v, alpha, threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withAlpha(float v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, Math.max(0, Math.min(1, v)), threshold, normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withThreshold(float v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, Math.max(0, Math.min(0.95f, v)), normalisation, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withNormalisation(Normalisation v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, threshold, v, compare, grid, help, zoom, panX, panY);
    }

    public ViewState withCompare(Compare v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, threshold, normalisation, v, grid, help, zoom, panX, panY);
    }

    public ViewState withGrid(boolean v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, threshold, normalisation, compare, v, help, zoom, panX, panY);
    }

    public ViewState withHelp(boolean v) {
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, threshold, normalisation, compare, grid, v, zoom, panX, panY);
    }

    /** Zoom between 1x and 16x; panning is clamped so the image never leaves its pane entirely. */
    public ViewState withView(float zoomTo, float x, float y) {
        float z = Math.max(1f, Math.min(16f, zoomTo));
        float limit = 0.5f - 0.5f / z;
        return new ViewState(image, method, secondMethod, target, layer, head, colormap, alpha, threshold, normalisation, compare, grid, help,
                z, Math.max(-limit, Math.min(limit, x)), Math.max(-limit, Math.min(limit, y)));
    }
}
