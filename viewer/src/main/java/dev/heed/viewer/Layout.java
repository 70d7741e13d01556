package dev.heed.viewer;

import java.util.ArrayList;
import java.util.List;

/**
 * Where things go in a window of {@code width x height} pixels (origin top-left): a status strip on top, the panes in
 * a grid filling the rest, each square-ish and centred in its cell with its own colour bar to its right, and, while
 * the key help is shown, a strip at the bottom for it, so that nothing covers a map. Shared by the renderer, the HUD
 * and the mouse handling so a hover hits what is drawn.
 */
public final class Layout {
    /** Three lines: the image and view, each pane's colormap and normalisation, and a note. */
    public static final int STATUS_HEIGHT = 62;
    public static final int TITLE_HEIGHT = 18;
    /** What each pane keeps to its right: a gap, the bar, its ticks and labels in raw units. */
    public static final int PANE_BAR_SPACE = 84;
    public static final int BAR_GAP = 8;
    public static final int BAR_WIDTH = 14;
    /** The strip the key help takes at the bottom while shown (five lines). */
    public static final int HELP_HEIGHT = 108;
    private static final int GAP = 8;

    /** A pane's image rectangle in window pixels, origin top-left. */
    public record Rect(int x, int y, int width, int height) {
        public boolean contains(int px, int py) {
            return px >= x && px < x + width && py >= y && py < y + height;
        }
    }

    private Layout() {
    }

    /** The panes' image rectangles; {@code helpShown} keeps the bottom strip free for the key help. */
    public static List<Rect> panes(int count, int imageWidth, int imageHeight, int width, int height, boolean helpShown) {
        int columns = (int) Math.ceil(Math.sqrt(count));
        int rows = (int) Math.ceil(count / (double) columns);
        int areaWidth = Math.max(1, width - 2 * GAP);
        int areaHeight = Math.max(1, height - STATUS_HEIGHT - GAP - (helpShown ? HELP_HEIGHT : 0));
        int cellWidth = (areaWidth - GAP * (columns - 1)) / columns;
        int cellHeight = (areaHeight - GAP * (rows - 1)) / rows - TITLE_HEIGHT;
        int imageSpace = cellWidth - PANE_BAR_SPACE;
        double scale = Math.max(0.01, Math.min(imageSpace / (double) imageWidth, cellHeight / (double) imageHeight));
        int w = Math.max(1, (int) Math.floor(imageWidth * scale));
        int h = Math.max(1, (int) Math.floor(imageHeight * scale));
        List<Rect> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int cx = GAP + (i % columns) * (cellWidth + GAP);
            int cy = STATUS_HEIGHT + (i / columns) * (cellHeight + TITLE_HEIGHT + GAP) + TITLE_HEIGHT;
            // the image and its bar are centred together, so the bar sits right beside its pane
            out.add(new Rect(cx + (cellWidth - w - PANE_BAR_SPACE) / 2, cy + (cellHeight - h) / 2, w, h));
        }
        return out;
    }

    /** The colour bar of the pane drawn in {@code pane}: beside it, as tall as it. */
    public static Rect bar(Rect pane) {
        return new Rect(pane.x() + pane.width() + BAR_GAP, pane.y(), BAR_WIDTH, pane.height());
    }

    /** The bottom strip the key help is drawn in. */
    public static Rect help(int width, int height) {
        return new Rect(0, height - HELP_HEIGHT, width, HELP_HEIGHT);
    }

    /**
     * The map pixel under window point {@code (px, py)} in {@code pane}, undoing zoom and pan as the shader applies
     * them, or null outside the image.
     */
    public static int[] mapPixel(Rect pane, int px, int py, int mapWidth, int mapHeight, ViewState s) {
        if (!pane.contains(px, py)) {
            return null;
        }
        double u = (px - pane.x() + 0.5) / pane.width();
        double v = (py - pane.y() + 0.5) / pane.height();
        double x = (u - 0.5) / s.zoom() + 0.5 + s.panX();
        double y = (v - 0.5) / s.zoom() + 0.5 + s.panY();
        if (x < 0 || x >= 1 || y < 0 || y >= 1) {
            return null;
        }
        return new int[] {(int) (x * mapWidth), (int) (y * mapHeight)};
    }
}
