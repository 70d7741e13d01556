package dev.heed.toolkit.attention.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * BERT's uncased tokeniser: clean the text, put spaces around CJK ideographs, split on whitespace, lower-case, strip
 * accents, split off punctuation, then split each word greedily into the longest vocabulary pieces ({@code ##} marks a
 * continuation). A word that cannot be split becomes {@code [UNK]}, and the caller hears which word and where.
 */
public final class WordPiece {
    /** The vocabulary shipped with langchain4j-embeddings (the bert-base-uncased list, 30,522 entries). */
    public static final String BUNDLED_VOCABULARY = "/bert-vocabulary-en.txt";
    private static final int MAX_WORD_CHARS = 100;

    /** One token with the character offset of the word it came from, for messages that say where. */
    public record Piece(String text, int id, int sourceOffset) { }

    private final List<String> vocabulary;
    private final Map<String, Integer> ids;
    private final int unknownId;

    private WordPiece(List<String> vocabulary) {
        this.vocabulary = List.copyOf(vocabulary);
        this.ids = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            ids.putIfAbsent(vocabulary.get(i), i);
        }
        this.unknownId = idOf("[UNK]");
    }

    public static WordPiece bundled() {
        try (InputStream in = WordPiece.class.getResourceAsStream(BUNDLED_VOCABULARY)) {
            if (in == null) {
                throw new IllegalStateException("the BERT vocabulary " + BUNDLED_VOCABULARY + " is not on the class path");
            }
            return of(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the BERT vocabulary: " + e.getMessage(), e);
        }
    }

    /** A vocabulary file: one token per line, the line number is the id. */
    public static WordPiece of(InputStream vocabularyFile) throws IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(vocabularyFile, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines.add(line);
        }
        return new WordPiece(lines);
    }

    public int idOf(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException("the vocabulary has no token '" + token + "'");
        }
        return id;
    }

    public String token(int id) {
        return vocabulary.get(id);
    }

    public int size() {
        return vocabulary.size();
    }

    /** Tokenises {@code text}; each word that became {@code [UNK]} is reported to {@code unknown} with its offset. */
    public List<Piece> tokenize(String text, Consumer<String> unknown) {
        List<Piece> pieces = new ArrayList<>();
        for (Word word : words(text)) {
            splitIntoPieces(word, pieces, unknown);
        }
        return pieces;
    }

    private record Word(String text, int offset) { }

    private static List<Word> words(String text) {
        List<Word> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || (isControl(cp) && !Character.isWhitespace(cp))) {
                i += width; // BERT drops these silently, and so do we
                continue;
            }
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                start = flush(words, current, start);
            } else if (isPunctuation(cp) || isCjk(cp)) {
                start = flush(words, current, start);
                words.add(new Word(new String(Character.toChars(cp)), i));
            } else {
                if (current.length() == 0) {
                    start = i;
                }
                current.append(normalise(cp));
            }
            i += width;
        }
        flush(words, current, start);
        return words;
    }

    private static int flush(List<Word> words, StringBuilder current, int start) {
        if (current.length() > 0) {
            words.add(new Word(current.toString(), start));
            current.setLength(0);
        }
        return -1;
    }

    /** Lower case, then strip combining marks after canonical decomposition (BERT's strip_accents). */
    private static String normalise(int cp) {
        String lower = new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT);
        String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder();
        decomposed.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK).forEach(out::appendCodePoint);
        return out.toString();
    }

    private void splitIntoPieces(Word word, List<Piece> pieces, Consumer<String> unknown) {
        String w = word.text();
        if (w.isEmpty()) {
            return;
        }
        if (w.codePointCount(0, w.length()) > MAX_WORD_CHARS) {
            unknown.accept("word at character " + word.offset() + " is longer than " + MAX_WORD_CHARS + " characters; it becomes [UNK]");
            pieces.add(new Piece("[UNK]", unknownId, word.offset()));
            return;
        }
        List<Piece> split = new ArrayList<>();
        int start = 0;
        while (start < w.length()) {
            int end = w.length();
            Integer id = null;
            String piece = null;
            while (end > start) {
                piece = (start > 0 ? "##" : "") + w.substring(start, end);
                id = ids.get(piece);
                if (id != null) {
                    break;
                }
                end = w.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                unknown.accept("'" + w + "' at character " + word.offset() + " has no vocabulary pieces (character '"
                        + new String(Character.toChars(w.codePointAt(start))) + "', U+"
                        + String.format("%04X", w.codePointAt(start)) + "); it becomes [UNK]");
                pieces.add(new Piece("[UNK]", unknownId, word.offset()));
                return;
            }
            split.add(new Piece(piece, id, word.offset()));
            start = end;
        }
        pieces.addAll(split);
    }

    private static boolean isControl(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    /** ASCII non-alphanumerics count as punctuation (BERT's rule), as does every Unicode P* category. */
    private static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    /** The CJK ideograph blocks BERT isolates as single-character words. */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
