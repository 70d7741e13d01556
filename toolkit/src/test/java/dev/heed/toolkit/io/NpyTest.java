package dev.heed.toolkit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
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
}
