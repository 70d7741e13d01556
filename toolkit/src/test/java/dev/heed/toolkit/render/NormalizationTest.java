package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {

    /** Two 2x2 maps back to back. */
    private static final float[] TWO_MAPS = {0, 2, 4, -1, 5, 5, 5, 5};

    @Test
    void minMaxIsPerMap() {
        Range[] r = new Normalization.MinMax().ranges(TWO_MAPS, 2, 4);
        assertArrayEquals(new Range[] {new Range(-1, 4), new Range(5, 5)}, r);
    }

    @Test
    void batchMinMaxSharesOneRange() {
        Range[] r = new Normalization.BatchMinMax().ranges(TWO_MAPS, 2, 4);
        assertArrayEquals(new Range[] {new Range(-1, 5), new Range(-1, 5)}, r);
    }

    @Test
    void fixedIgnoresTheValues() {
        Range[] r = new Normalization.Fixed(0, 1).ranges(TWO_MAPS, 2, 4);
        assertArrayEquals(new Range[] {new Range(0, 1), new Range(0, 1)}, r);
    }

    @Test
    void signedIsSymmetricAroundZero() {
        float[] maps = {-4, 1, 2, 0, 0, 0, 0, 0, 0.5f, -0.25f, 0, 0};
        Range[] r = new Normalization.Signed().ranges(maps, 3, 4);
        // The all-zero map gets [-1, 1] so zero still lands mid-scale.
        assertArrayEquals(new Range[] {new Range(-4, 4), new Range(-1, 1), new Range(-0.5, 0.5)}, r);
        assertTrue(new Normalization.Signed().signedScale());
        for (Normalization n : List.of(new Normalization.MinMax(), new Normalization.BatchMinMax(),
                new Normalization.Fixed(0, 1), new Normalization.Percentile(1, 99))) {
            assertFalse(n.signedScale(), n.describe());
        }
    }

    @Test
    void percentilesMatchNumpy() {
        float[] maps = {3, -1, 7, 0.5f, 2, 10, 4, -2.5f, 0.25f, 0.75f, -0.125f, 1.5f, 6, -3, 2.25f, 0};
        float[] before = maps.clone();
        // Expected values from numpy 1.24.2, default method 'linear':
        //   a = np.array([3, -1, 7, 0.5, 2, 10, 4, -2.5]); b = np.array([0.25, 0.75, -0.125, 1.5, 6, -3, 2.25, 0])
        //   np.percentile(a, q) and np.percentile(b, q) for q in (1, 99), (10, 90), (25, 75)
        double[][] expected = {
            {1, 99, -2.395, 9.79, -2.79875, 5.737499999999999},
            {10, 90, -1.45, 7.8999999999999995, -0.9874999999999998, 3.374999999999999},
            {25, 75, 0.125, 4.75, -0.03125, 1.6875},
        };
        for (double[] e : expected) {
            Range[] r = new Normalization.Percentile(e[0], e[1]).ranges(maps, 2, 8);
            assertEquals(e[2], r[0].lo(), 1e-12);
            assertEquals(e[3], r[0].hi(), 1e-12);
            assertEquals(e[4], r[1].lo(), 1e-12);
            assertEquals(e[5], r[1].hi(), 1e-12);
        }
        assertArrayEquals(before, maps, "percentile sorted the caller's array");
    }

    @Test
    void fullPercentileRangeIsMinMax() {
        assertArrayEquals(new Normalization.MinMax().ranges(TWO_MAPS, 2, 4),
                new Normalization.Percentile(0, 100).ranges(TWO_MAPS, 2, 4));
    }

    @Test
    void nanNamesTheMap() {
        float[] maps = {0, 1, 2, 3, 4, Float.NaN, 6, 7};
        for (Normalization n : List.of(new Normalization.MinMax(), new Normalization.BatchMinMax(),
                new Normalization.Fixed(0, 1), new Normalization.Percentile(1, 99), new Normalization.Signed())) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> n.ranges(maps, 2, 4), n.describe());
            assertTrue(e.getMessage().contains("map 1"), e.getMessage());
        }
    }

    @Test
    void rejectsMismatchedSizes() {
        assertThrows(IllegalArgumentException.class, () -> new Normalization.MinMax().ranges(TWO_MAPS, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new Normalization.MinMax().ranges(TWO_MAPS, 2, 0));
        assertEquals(0, new Normalization.BatchMinMax().ranges(new float[0], 0, 4).length);
    }

    @Test
    void rejectsInvalidParameters() {
        assertThrows(IllegalArgumentException.class, () -> new Normalization.Percentile(50, 10));
        assertThrows(IllegalArgumentException.class, () -> new Normalization.Percentile(-1, 99));
        assertThrows(IllegalArgumentException.class, () -> new Normalization.Percentile(1, 101));
        assertThrows(IllegalArgumentException.class, () -> new Normalization.Fixed(1, 0));
    }

    @Test
    void describeAndParseRoundTrip() {
        List<Normalization> all = List.of(new Normalization.MinMax(), new Normalization.Percentile(1, 99),
                new Normalization.Fixed(-0.5, 2), new Normalization.BatchMinMax(), new Normalization.Signed());
        List<String> texts = List.of("minmax", "percentile:1.0:99.0", "fixed:-0.5:2.0", "batch", "signed");
        for (int i = 0; i < all.size(); i++) {
            assertEquals(texts.get(i), all.get(i).describe());
            assertEquals(all.get(i), Normalization.parse(texts.get(i)));
        }
        assertEquals(new Normalization.Percentile(2.5, 97.5), Normalization.parse("percentile:2.5:97.5"));
    }

    @Test
    void parseErrorsListTheValidForms() {
        for (String bad : List.of("", "bogus", "minmax:1", "percentile:1", "percentile:a:99", "percentile:50:10",
                "fixed:2:1", "fixed:0:1:2", "MinMax")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Normalization.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("valid: minmax, batch, signed, percentile:<low%>:<high%>, "
                    + "fixed:<lo>:<hi>"), e.getMessage());
        }
    }
}
