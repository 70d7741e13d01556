package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ColorBarTest {

    private static final int MID_BAR = ColorBar.BAR_LEFT + ColorBar.BAR_WIDTH / 2;

    @Test
    void gradientRunsFromLowAtTheBottomToHighAtTheTop() {
        for (Colormap cmap : Colormap.values()) {
            for (int height : new int[] {64, 224, 301}) {
                BufferedImage bar = ColorBar.vertical(cmap, new Range(-0.3, 0.3), height);
                assertEquals(height, bar.getHeight());
                assertEquals(BufferedImage.TYPE_INT_RGB, bar.getType());
                assertTrue(bar.getWidth() >= ColorBar.MIN_WIDTH);
                assertEquals(cmap.rgb(1.0), bar.getRGB(MID_BAR, ColorBar.MARGIN) & 0xFFFFFF, cmap.id());
                assertEquals(cmap.rgb(0.0), bar.getRGB(MID_BAR, height - 1 - ColorBar.MARGIN) & 0xFFFFFF,
                        cmap.id());
            }
        }
    }

    @Test
    void labelsAreDrawnRightOfTheBar() {
        BufferedImage bar = ColorBar.vertical(Colormap.VIRIDIS, new Range(0, 1), 200);
        boolean ink = false;
        for (int x = ColorBar.BAR_LEFT + ColorBar.BAR_WIDTH + 1; x < bar.getWidth(); x++) {
            for (int y = 0; y < bar.getHeight(); y++) {
                ink |= (bar.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF;
            }
        }
        assertTrue(ink, "no tick or label drawn");
    }

    @Test
    void widensForLongLabels() {
        BufferedImage bar = ColorBar.vertical(Colormap.GRAY, new Range(-123456789, -1.23456e-7), 100);
        assertTrue(bar.getWidth() >= ColorBar.MIN_WIDTH);
    }

    @Test
    void emptyRangeStillDraws() {
        assertEquals(50, ColorBar.vertical(Colormap.GRAY, new Range(2, 2), 50).getHeight());
    }

    @Test
    void rejectsTooShortBars() {
        assertThrows(IllegalArgumentException.class,
                () -> ColorBar.vertical(Colormap.GRAY, new Range(0, 1), 2 * ColorBar.MARGIN + 1));
    }

    @Test
    void middleTickOfANearlySymmetricRangeReadsZero() {
        assertEquals("0", ColorBar.label(ColorBar.tickValue(new Range(-0.99986, 1), 2, 5)));
        assertEquals("-1", ColorBar.label(ColorBar.tickValue(new Range(-0.99986, 1), 0, 5)));
        assertEquals(2.5, ColorBar.tickValue(new Range(0, 10), 1, 5));
    }

    @Test
    void labelsAreCompact() {
        assertEquals("0", ColorBar.label(0));
        assertEquals("0", ColorBar.label(-0.0));
        assertEquals("0.5", ColorBar.label(0.5));
        assertEquals("-0.15", ColorBar.label(-0.15));
        assertEquals("100", ColorBar.label(100));
        assertEquals("0.333", ColorBar.label(1 / 3.0));
        assertEquals("1e-05", ColorBar.label(1e-5));
        assertEquals("1.23e+04", ColorBar.label(12345));
    }
}
