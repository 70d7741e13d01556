package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MontageTest {

    @Test
    void cellsTakeTheLargestTileAndGapsSitBetweenThem() {
        List<BufferedImage> tiles = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            tiles.add(filled(i % 2 == 0 ? 10 : 8, i % 2 == 0 ? 6 : 9, 0x111111 * (i + 1)));
        }
        BufferedImage grid = Montage.grid(tiles, 3, 2, 0x00FF00);
        // cells are 10x9; 3 columns and 2 rows: 3 * 10 + 2 * 2 by 2 * 9 + 1 * 2
        assertEquals(34, grid.getWidth());
        assertEquals(20, grid.getHeight());
        // tile 4 is at column 1, row 1: (12, 11), top-left aligned
        assertEquals(0x555555, grid.getRGB(12, 11) & 0xFFFFFF);
        assertEquals(0x555555, grid.getRGB(21, 16) & 0xFFFFFF);
        assertEquals(0x00FF00, grid.getRGB(21, 17) & 0xFFFFFF, "below a 6-high tile in a 9-high cell");
        assertEquals(0x00FF00, grid.getRGB(10, 0) & 0xFFFFFF, "gap");
        assertEquals(0x00FF00, grid.getRGB(33, 19) & 0xFFFFFF, "empty sixth cell");
        assertEquals(0x222222, grid.getRGB(12, 0) & 0xFFFFFF);
    }

    @Test
    void fewerTilesThanColumnsMakeOneShortRow() {
        BufferedImage grid = Montage.grid(List.of(filled(4, 4, 1), filled(4, 4, 2)), 5, 1, 0);
        assertEquals(9, grid.getWidth());
        assertEquals(4, grid.getHeight());
    }

    @Test
    void captionsGoUnderTheTiles() {
        List<BufferedImage> tiles = List.of(filled(40, 30, 0xFF0000), filled(40, 30, 0x0000FF));
        BufferedImage grid = Montage.grid(tiles, List.of("grad-cam", "saliency"), 2);
        assertTrue(grid.getHeight() > 30, "no caption strip");
        assertEquals(0xFF0000, grid.getRGB(0, 0) & 0xFFFFFF);
        int secondX = (grid.getWidth() + Montage.CAPTION_GAP) / 2;
        assertEquals(0x0000FF, grid.getRGB(secondX, 29) & 0xFFFFFF);
        boolean ink = false;
        for (int y = 30; y < grid.getHeight(); y++) {
            for (int x = 0; x < 40; x++) {
                ink |= (grid.getRGB(x, y) & 0xFFFFFF) != Montage.WHITE;
            }
        }
        assertTrue(ink, "caption not drawn");
    }

    @Test
    void rejectsBadArguments() {
        List<BufferedImage> one = List.of(filled(2, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> Montage.grid(List.of(), 2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Montage.grid(one, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Montage.grid(one, 1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> Montage.grid(one, List.of("a", "b"), 1));
    }

    private static BufferedImage filled(int width, int height, int rgb) {
        return Images.blank(width, height, rgb);
    }
}
