package dev.heed.viewer;

import java.util.ArrayList;
import java.util.List;

/**
 * Where things go in a window of {@code width x height} pixels (origin top-left): a status strip on top, a colour bar
 * on the right, and the panes in a grid filling the rest, each square-ish and centred in its cell. Shared by the
 * renderer and the mouse handling so a hover hits what is drawn.
 */
public final class Layout {
    public static final int STATUS_HEIGHT = 44;
    public static final int BAR_WIDTH = 90;
    public static final int TITLE_HEIGHT = 18;
    private static final int GAP = 8;

    /** A pane's image rectangle in window pixels, origin top-left. */
    public record Rect(int x, int y, int width, int height) {
        public boolean contains(int px, int py) {
            return px >= x && px < x + width && py >= y && py < y + height;
        }
    }

    private Layout() {
    }

    public static List<Rect> panes(int count, int imageWidth, int imageHeight, int width, int height) {
        int columns = (int) Math.ceil(Math.sqrt(count));
        int rows = (int) Math.ceil(count / (double) columns);
        int areaWidth = Math.max(1, width - BAR_WIDTH - GAP);
        int areaHeight = Math.max(1, height - STATUS_HEIGHT - GAP);
        int cellWidth = (areaWidth - GAP * (columns - 1)) / columns;
        int cellHeight = (areaHeight - GAP * (rows - 1)) / rows - TITLE_HEIGHT;
        double scale = Math.max(0.01, Math.min(cellWidth / (double) imageWidth, cellHeight / (double) imageHeight));
        int w = Math.max(1, (int) Math.floor(imageWidth * scale));
        int h = Math.max(1, (int) Math.floor(imageHeight * scale));
        List<Rect> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int cx = GAP + (i % columns) * (cellWidth + GAP);
            int cy = STATUS_HEIGHT + (i / columns) * (cellHeight + TITLE_HEIGHT + GAP) + TITLE_HEIGHT;
            out.add(new Rect(cx + (cellWidth - w) / 2, cy + (cellHeight - h) / 2, w, h));
        }
        return out;
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
