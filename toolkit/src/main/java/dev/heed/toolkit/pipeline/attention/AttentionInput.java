package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.attention.text.TextBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One input of {@code heed attention}: the name of its output folder, where it came from as the user would say it (a
 * file, {@code file:line} or {@code --text #n}), the file it was read from (null for a {@code --text}), the text for a
 * text model (null for an image), and the warnings gathered for it, which its provenance and the summary keep.
 */
public record AttentionInput(String name, String source, Path file, TextBatch.Input text, List<String> warnings) {

    public static AttentionInput image(Path file, String name) {
        return new AttentionInput(name, file.toString(), file, null, new ArrayList<>());
    }

    public static AttentionInput text(String name, String source, Path file, TextBatch.Input text) {
        return new AttentionInput(name, source, file, text, new ArrayList<>());
    }
}
