package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks every colormap against matplotlib's own output, written by docs/tools/generate_colormaps.py. */
class ColormapTest {

    @Test
    void matchesMatplotlibWithinOneStepAtEveryReferenceSample() throws IOException {
        Map<Colormap, Integer> rows = new EnumMap<>(Colormap.class);
        List<String> failures = new ArrayList<>();
        for (String[] row : reference()) {
            Colormap cmap = Colormap.fromId(row[0]);
            double t = Double.parseDouble(row[1]);
            int rgb = cmap.rgb(t);
            int[] actual = {rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF};
            for (int c = 0; c < 3; c++) {
                if (Math.abs(actual[c] - Integer.parseInt(row[2 + c])) > 1) {
                    failures.add(String.join(",", row) + " but got " + Integer.toHexString(rgb));
                    break;
                }
            }
            rows.merge(cmap, 1, Integer::sum);
        }
        assertTrue(failures.isEmpty(), failures.size() + " mismatches, e.g. " + failures.subList(0,
                Math.min(5, failures.size())));
        for (Colormap cmap : Colormap.values()) {
            assertEquals(1001, rows.getOrDefault(cmap, 0), cmap.id() + " reference rows");
        }
    }

    @Test
    void segmentMapsHaveTheirDefiningEndpoints() {
        assertEquals(0x000000, Colormap.GRAY.rgb(0.0));
        assertEquals(0xFFFFFF, Colormap.GRAY.rgb(1.0));
        assertEquals(0x0000FF, Colormap.BWR.rgb(0.0));
        assertEquals(0xFF0000, Colormap.BWR.rgb(1.0));
        // jet starts at (0, 0, 0.5) and ends at (0.5, 0, 0); 0.5 * 255 truncates to 127.
        assertEquals(0x00007F, Colormap.JET.rgb(0.0));
        assertEquals(0x7F0000, Colormap.JET.rgb(1.0));
    }

    @Test
    void outOfRangeAndNanAreClamped() {
        for (Colormap cmap : Colormap.values()) {
            assertEquals(cmap.rgb(0.0), cmap.rgb(-3.0), cmap.id());
            assertEquals(cmap.rgb(0.0), cmap.rgb(Double.NaN), cmap.id());
            assertEquals(cmap.rgb(1.0), cmap.rgb(7.0), cmap.id());
            assertEquals(cmap.rgb(1.0), cmap.rgb(Double.POSITIVE_INFINITY), cmap.id());
        }
    }

    @Test
    void lutIsAFreshCopyOfTheTable() {
        for (Colormap cmap : Colormap.values()) {
            float[] lut = cmap.lut();
            assertEquals(Colormap.SIZE * 3, lut.length);
            for (float v : lut) {
                assertTrue(v >= 0 && v <= 1, cmap.id() + " value " + v);
            }
            float[] original = lut.clone();
            lut[0] = -1f;
            assertArrayEquals(original, cmap.lut(), cmap.id() + " table changed through a returned copy");
        }
        float[] gray = Colormap.GRAY.lut();
        for (int i = 0; i < Colormap.SIZE; i++) {
            assertEquals(i / 255.0, gray[3 * i], 1e-6);
        }
    }

    @Test
    void onlyBwrIsDiverging() {
        for (Colormap cmap : Colormap.values()) {
            assertEquals(cmap == Colormap.BWR, cmap.diverging(), cmap.id());
        }
    }

    @Test
    void idsRoundTrip() {
        for (Colormap cmap : Colormap.values()) {
            assertEquals(cmap.name().toLowerCase(), cmap.id());
            assertEquals(cmap, Colormap.fromId(cmap.id()));
        }
    }

    @Test
    void unknownIdListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Colormap.fromId("hot"));
        assertTrue(e.getMessage().startsWith("unknown colormap 'hot'; valid: "), e.getMessage());
        for (Colormap cmap : Colormap.values()) {
            assertTrue(e.getMessage().contains(cmap.id()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Colormap.fromId("VIRIDIS"));
    }

    /** Rows id, t, r, g, b of the reference file, comments and header skipped. */
    private static List<String[]> reference() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = ColormapTest.class.getResourceAsStream("/matplotlib-colormaps.csv")) {
            assertTrue(in != null, "matplotlib-colormaps.csv missing from test resources");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.startsWith("#") && !line.startsWith("id,")) {
                    rows.add(line.split(","));
                }
            }
        }
        return rows;
    }
}
