package dev.heed.toolkit.pipeline.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text inputs: names, sources and pairs; a line that is not UTF-8 fails alone; an unreadable file names itself. */
class TextInputsTest {
    @TempDir
    Path tmp;

    @Test
    void textsAndLinesGetTheirNamesPairsAndSourcesAndABadLineFailsAlone() throws Exception {
        Path file = tmp.resolve("s.txt");
        try (var out = Files.newOutputStream(file)) {
            out.write("one\n\ntwo a\ttwo b\r\n".getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {'x', (byte) 0xC3, (byte) 0x28, '\n'});
            out.write("last".getBytes(StandardCharsets.UTF_8));
        }
        List<String> unusable = new ArrayList<>();
        List<AttentionInput> inputs = TextInputs.read(List.of("hello"), "there", file, (input, message) -> unusable.add(input.name() + " " + message));
        assertEquals(List.of("text-001", "line-001", "line-003", "line-005"), inputs.stream().map(AttentionInput::name).toList());
        assertEquals("there", inputs.get(0).text().second());
        assertEquals("--text #1", inputs.get(0).source());
        assertEquals(file + ":3", inputs.get(2).source());
        assertEquals("two a", inputs.get(2).text().first());
        assertEquals("two b", inputs.get(2).text().second(), "the tab splits the pair and the CR is dropped");
        assertEquals(file, inputs.get(3).file());
        assertEquals(List.of("line-004 " + file + ":4: invalid UTF-8 (Input length = 1); the line is skipped"), unusable);
        IOException missing = assertThrows(IOException.class, () -> TextInputs.read(List.of(), null, tmp.resolve("none.txt"), (i, m) -> { }));
        assertTrue(missing.getMessage().startsWith(tmp.resolve("none.txt") + ": cannot read ("), missing.getMessage());
    }
}
