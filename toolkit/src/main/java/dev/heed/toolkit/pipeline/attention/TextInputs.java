package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.WordPiece;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Text inputs, the text counterpart of an image folder: each {@code --text} ({@code text-001}, ...) and each non-blank
 * line of an input file ({@code line-NNN} by its line number; a tab separates the two sentences of a pair).
 */
public final class TextInputs {
    private TextInputs() {
    }

    /**
     * Whether an input encodes within {@code maxTokens}: one that does not goes to {@code unusable} with why, and the
     * warnings of one that does (text cut to fit) go to {@code warn}, so a batch never meets an input it cannot encode.
     */
    public static Predicate<AttentionInput> encodable(WordPiece vocabulary, int maxTokens, BiConsumer<AttentionInput, String> unusable,
                                                      Consumer<String> warn) {
        return item -> {
            try {
                TextBatch.encode(vocabulary, List.of(item.text()), maxTokens, item.warnings()::add);
            } catch (IllegalArgumentException e) {
                unusable.accept(item, e.getMessage());
                return false;
            }
            item.warnings().forEach(warn);
            return true;
        };
    }

    /**
     * The inputs in order. A line that is not UTF-8 goes to {@code unusable} with a one-line message naming it, and
     * the others carry on; a file that cannot be read at all is an {@link IOException} naming it.
     */
    public static List<AttentionInput> read(List<String> texts, String second, Path file, BiConsumer<AttentionInput, String> unusable)
            throws IOException {
        List<AttentionInput> inputs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String source = "--text #" + (i + 1);
            inputs.add(AttentionInput.text(String.format("text-%03d", i + 1), source, null, new TextBatch.Input(texts.get(i), second, source)));
        }
        if (file == null) {
            return inputs;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        int line = 0;
        int start = 0;
        for (int p = 0; p <= content.length; p++) {
            if (p < content.length && content[p] != '\n') {
                continue;
            }
            line++;
            String source = file + ":" + line;
            String name = String.format("line-%03d", line);
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content, start, p - start)).toString();
                text = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                if (!text.isBlank()) {
                    int tab = text.indexOf('\t');
                    inputs.add(AttentionInput.text(name, source, file, tab < 0 ? new TextBatch.Input(text, null, source)
                            : new TextBatch.Input(text.substring(0, tab), text.substring(tab + 1), source)));
                }
            } catch (CharacterCodingException e) {
                unusable.accept(AttentionInput.text(name, source, file, null), source + ": invalid UTF-8 (" + e.getMessage() + "); the line is skipped");
            }
            start = p + 1;
        }
        return inputs;
    }
}
