package dev.heed.viewer;

import java.util.List;

/**
 * One immutable snapshot of what to draw, built by {@link ViewModel} and read by the render thread.
 *
 * @param panes  one per map shown (one, two side by side, or the method grid)
 * @param busy   a requested map is still being computed; the panes show the last ones meanwhile
 * @param status the status lines: the image and view, then each pane's colormap and normalisation, then a note
 * @param hover  the raw value under the mouse in this frame's maps (empty when the mouse is over none)
 */
public record Frame(ViewState state, MapSource.DisplayImage image, List<Pane> panes, boolean busy, String status,
                    List<String> help, String hover) {
    /**
     * A map over the image: raw values at {@code width x height}, shown through {@code colormap} over
     * {@code [lo, hi]} (values outside clamp). {@code title} names it; {@code scale} names how {@code [lo, hi]} was
     * chosen (the normalisation); {@code stale} marks a stand-in for a map still being computed.
     */
    public record Pane(String title, float[] values, int width, int height, float lo, float hi,
                       dev.heed.toolkit.render.Colormap colormap, String scale, boolean stale) { }

    /** Where the panes are drawn in a window of {@code width x height}. */
    public List<Layout.Rect> layout(int width, int height) {
        return Layout.panes(panes.size(), image.width(), image.height(), width, height, !help.isEmpty());
    }
}
