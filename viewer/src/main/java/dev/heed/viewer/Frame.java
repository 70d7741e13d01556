package dev.heed.viewer;

import java.util.List;

/**
 * One immutable snapshot of what to draw, built by {@link ViewModel} and read by the render thread.
 *
 * @param panes one per map shown (one, two side by side, or the method grid)
 * @param busy  a requested map is still being computed; the panes show the last ones meanwhile
 */
public record Frame(ViewState state, MapSource.DisplayImage image, List<Pane> panes, boolean busy, String status,
                    List<String> help) {
    /**
     * A map over the image: raw values at {@code width x height}, shown through {@code colormap} over
     * {@code [lo, hi]} (values outside clamp). {@code title} names it; {@code stale} marks a stand-in for a map
     * still being computed.
     */
    public record Pane(String title, float[] values, int width, int height, float lo, float hi,
                       dev.heed.toolkit.render.Colormap colormap, boolean stale) { }
}
