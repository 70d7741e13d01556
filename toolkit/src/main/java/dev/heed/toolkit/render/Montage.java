package dev.heed.toolkit.render;

import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays images out in a grid, for comparing methods, layers or heads side by side in one file. Every cell has the
 * size of the largest tile and tiles sit at the top-left of their cells.
 */
public final class Montage {

    static final int CAPTION_GAP = 4;
    static final int WHITE = 0xFFFFFF;
    /** Padding around caption text inside its strip. */
    private static final int PAD = 2;

    private Montage() {
    }

    /**
     * Tiles placed row-major, {@code columns} to a row (fewer if there are fewer tiles), with {@code gap} pixels of
     * {@code background} between cells and none around the edge.
     */
    public static BufferedImage grid(List<BufferedImage> tiles, int columns, int gap, int background) {
        if (tiles.isEmpty() || columns < 1 || gap < 0) {
            throw new IllegalArgumentException("need at least one tile, columns >= 1 and gap >= 0, got "
                    + tiles.size() + " tiles, " + columns + " columns, gap " + gap);
        }
        int cellWidth = 0;
        int cellHeight = 0;
        for (BufferedImage tile : tiles) {
            cellWidth = Math.max(cellWidth, tile.getWidth());
            cellHeight = Math.max(cellHeight, tile.getHeight());
        }
        int cols = Math.min(columns, tiles.size());
        int rows = (tiles.size() + cols - 1) / cols;
        BufferedImage out = Images.blank(cols * cellWidth + (cols - 1) * gap, rows * cellHeight + (rows - 1) * gap,
                background);
        for (int i = 0; i < tiles.size(); i++) {
            Images.paste(out, tiles.get(i), i % cols * (cellWidth + gap), i / cols * (cellHeight + gap));
        }
        return out;
    }

    /**
     * Tiles with a caption strip under each, on white with {@link #CAPTION_GAP} between cells. A caption wider than
     * its tile widens the tile's cell rather than being cut.
     */
    public static BufferedImage grid(List<BufferedImage> tiles, List<String> labels, int columns) {
        if (labels.size() != tiles.size()) {
            throw new IllegalArgumentException(tiles.size() + " tiles but " + labels.size() + " labels");
        }
        List<BufferedImage> captioned = new ArrayList<>(tiles.size());
        for (int i = 0; i < tiles.size(); i++) {
            captioned.add(captioned(tiles.get(i), labels.get(i)));
        }
        return grid(captioned, columns, CAPTION_GAP, WHITE);
    }

    private static BufferedImage captioned(BufferedImage tile, String label) {
        FontMetrics metrics = Images.textMetrics();
        int width = Math.max(tile.getWidth(), metrics.stringWidth(label) + 2 * PAD);
        int strip = metrics.getAscent() + metrics.getDescent() + 2 * PAD;
        BufferedImage out = Images.blank(width, tile.getHeight() + strip, WHITE);
        Images.paste(out, tile, 0, 0);
        Graphics2D g = Images.textGraphics(out);
        try {
            g.drawString(label, PAD, tile.getHeight() + PAD + metrics.getAscent());
        } finally {
            g.dispose();
        }
        return out;
    }
}
