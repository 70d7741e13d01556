package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OverlayTest {

    @Test
    void blendIsPerChannelRoundedMix() {
        assertEquals(0x102030, Overlay.blend(0x102030, 0xF0E0D0, 0));
        assertEquals(0xF0E0D0, Overlay.blend(0x102030, 0xF0E0D0, 1));
        // 0.75 * (16, 32, 48) + 0.25 * (240, 224, 208) = (72, 80, 88)
        assertEquals(0x485058, Overlay.blend(0x102030, 0xF0E0D0, 0.25));
        // 127.5 rounds up
        assertEquals(0x808080, Overlay.blend(0x000000, 0xFFFFFF, 0.5));
    }

    @Test
    void blendIgnoresTheAlphaByte() {
        assertEquals(0x000000, Overlay.blend(0xFF000000, 0x80000000, 0.5));
    }

    @Test
    void blendRejectsAlphaOutsideUnitInterval() {
        assertThrows(IllegalArgumentException.class, () -> Overlay.blend(0, 0, -0.01));
        assertThrows(IllegalArgumentException.class, () -> Overlay.blend(0, 0, 1.01));
        assertThrows(IllegalArgumentException.class, () -> Overlay.blend(0, 0, Double.NaN));
    }

    @Test
    void compositeOfAGrayMapByHand() {
        int[] image = {0x000000, 0xFFFFFF, 0x204060, 0x000000};
        float[] map = {0, 1, 2, 4};
        int[] imageBefore = image.clone();
        float[] mapBefore = map.clone();
        // Over [0, 4] the map is at 0, 0.25, 0.5, 1: gray entries 0, 64, 128, 255 (floor(t * 256), capped at 255).
        // Blended at alpha 0.5: 0; (255 + 64) / 2 = 159.5 -> 160 = 0xA0; (32, 64, 96) with 128 -> (80, 96, 112);
        // 255 / 2 = 127.5 -> 128.
        int[] expected = {0x000000, 0xA0A0A0, 0x506070, 0x808080};
        assertArrayEquals(expected, Overlay.composite(image, map, 2, 2, new Range(0, 4), Colormap.GRAY, 0.5));
        assertArrayEquals(imageBefore, image);
        assertArrayEquals(mapBefore, map);
    }

    @Test
    void compositeOfASignedMapOnBwr() {
        int[] image = new int[4];
        float[] map = {-1, 1, -5, 5};
        // At alpha 1 the result is the colormap: blue at and below -1, red at and above 1.
        int[] expected = {0x0000FF, 0xFF0000, 0x0000FF, 0xFF0000};
        assertArrayEquals(expected, Overlay.composite(image, map, 2, 2, new Range(-1, 1), Colormap.BWR, 1));
        // Zero sits at index 128 of 256, just past bwr's white centre: matplotlib gives (255, 254, 254).
        assertEquals(0xFFFEFE, Overlay.composite(new int[1], new float[1], 1, 1, new Range(-1, 1),
                Colormap.BWR, 1)[0]);
    }

    @Test
    void compositeRejectsMismatchedSizes() {
        Range r = new Range(0, 1);
        assertThrows(IllegalArgumentException.class,
                () -> Overlay.composite(new int[4], new float[3], 2, 2, r, Colormap.GRAY, 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> Overlay.composite(new int[4], new float[4], 4, 2, r, Colormap.GRAY, 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> Overlay.composite(new int[4], new float[4], 2, 2, r, Colormap.GRAY, 2));
    }
}
