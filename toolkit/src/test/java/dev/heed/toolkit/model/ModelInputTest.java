package dev.heed.toolkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelInputTest {
    @Test
    void grayModelInputUsesLumaAreaAveragingAndPixelScale() {
        ModelCard card = new ModelCard(1, 1, 2, 1.0 / 255, List.of());
        // 2x2 image -> 1x2: each output pixel averages one column; column 0 is white/black, column 1 pure red twice
        int[] rgb = {0xFFFFFF, 0xFF0000, 0x000000, 0xFF0000};
        float[] input = ModelInput.prepare(rgb, 2, 2, card);
        assertEquals(0.5, input[0], 1e-6);
        assertEquals(0.299, input[1], 1e-6);
    }

    /** Sizes whose scale factor rounds just past the last source pixel once broke the area average. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"31,31", "62,62", "117,117", "255,255", "2000,50", "50,2000", "28,28", "7,7"})
    void anyImageSizeResamplesToTheModelSizeKeepingConstantsConstant(int w, int h) {
        int[] rgb = new int[w * h];
        java.util.Arrays.fill(rgb, 0x808080);
        float[] input = ModelInput.prepare(rgb, w, h, new ModelCard(1, 28, 28, 1.0, List.of()));
        assertEquals(28 * 28, input.length);
        for (float v : input) {
            assertEquals(128, v, 1e-3);
        }
    }

    @Test
    void shrinkingOneAxisAveragesItWhileTheOtherInterpolates() {
        // 4x1 -> 2x1 averages pairs; 1x2 -> 1x4 interpolates with half-pixel centres
        assertEquals(List.of(1.5f, 3.5f), toList(ModelInput.resample(new float[] {1, 2, 3, 4}, 4, 1, 2, 1)));
        assertEquals(List.of(0f, 1f, 3f, 4f), toList(ModelInput.resample(new float[] {0, 4}, 1, 2, 1, 4)));
    }

    private static List<Float> toList(float[] a) {
        List<Float> l = new java.util.ArrayList<>();
        for (float v : a) {
            l.add(v);
        }
        return l;
    }

    @Test
    void cropRegionKeepsTheModelAspectRatio() {
        ModelCard square = new ModelCard(3, 28, 28, 1, List.of());
        assertEquals(new ModelInput.Region(100, 0, 400, 400), ModelInput.region(600, 400, square, ModelInput.Resize.CROP));
        assertEquals(new ModelInput.Region(0, 0, 600, 400), ModelInput.region(600, 400, square, ModelInput.Resize.STRETCH));
    }
}
