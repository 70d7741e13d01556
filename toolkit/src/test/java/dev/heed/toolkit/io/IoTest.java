package dev.heed.toolkit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.model.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoTest {
    @TempDir
    Path dir;

    @Test
    void npyRoundTripsAndHasAnAlignedHeader() throws Exception {
        float[] v = {1.5f, -2, 0, 3.25f, 7, 8};
        byte[] bytes = Npy.encode(v, 2, 3);
        assertEquals(0, (bytes.length - 4 * v.length) % 64, "header must pad to 64 bytes");
        String header = new String(bytes, 10, bytes.length - 10 - 24, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (2, 3)") && header.endsWith("\n"), header);
        Path f = dir.resolve("m.npy");
        AtomicFiles.write(f, bytes);
        assertArrayEquals(v, Npy.read(f));
        assertEquals(List.of(f), Files.list(dir).toList(), "no temporary file left");
    }

    @Test
    void grayModelInputUsesLumaAreaAveragingAndPixelScale() {
        ModelCard card = new ModelCard(1, 1, 2, 1.0 / 255, List.of());
        // 2x2 image -> 1x2: each output pixel averages one column; column 0 is white/black, column 1 pure red twice
        int[] rgb = {0xFFFFFF, 0xFF0000, 0x000000, 0xFF0000};
        float[] input = ModelInput.prepare(rgb, 2, 2, card);
        assertEquals(0.5, input[0], 1e-6);
        assertEquals(0.299, input[1], 1e-6);
    }

    @Test
    void cropRegionKeepsTheModelAspectRatio() {
        ModelCard square = new ModelCard(3, 28, 28, 1, List.of());
        assertEquals(new ModelInput.Region(100, 0, 400, 400), ModelInput.region(600, 400, square, ModelInput.Resize.CROP));
        assertEquals(new ModelInput.Region(0, 0, 600, 400), ModelInput.region(600, 400, square, ModelInput.Resize.STRETCH));
    }
}
