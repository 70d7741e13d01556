package dev.heed.toolkit.attention.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sentences (or sentence pairs) turned into BERT inputs: {@code [CLS] a [SEP]} or {@code [CLS] a [SEP] b [SEP]}, token
 * types 0 then 1, padded with {@code [PAD]} to the longest in the batch, and an attention mask of ones and zeros.
 */
public final class TextBatch {
    /** One input; {@code second} is null for a single sentence. {@code source} names it in messages ("line 3"). */
    public record Input(String first, String second, String source) { }

    private final List<List<String>> tokens;
    private final int[][] ids;
    private final int[][] types;
    private final int length;

    private TextBatch(List<List<String>> tokens, int[][] ids, int[][] types, int length) {
        this.tokens = tokens;
        this.ids = ids;
        this.types = types;
        this.length = length;
    }

    /**
     * Encodes inputs; each is cut to {@code maxTokens} (special tokens included) by dropping tokens from the end of
     * the longer part, and every cut, like every unknown word, is reported to {@code warnings} with where it happened.
     * Empty text is an error naming the input.
     */
    public static TextBatch encode(WordPiece vocabulary, List<Input> inputs, int maxTokens, Consumer<String> warnings) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no text to encode");
        }
        int specials = 3;
        if (maxTokens < specials + 2) {
            throw new IllegalArgumentException("max tokens must be at least " + (specials + 2) + ", got " + maxTokens);
        }
        List<List<String>> tokens = new ArrayList<>();
        List<int[]> idRows = new ArrayList<>();
        List<int[]> typeRows = new ArrayList<>();
        for (Input input : inputs) {
            List<WordPiece.Piece> a = pieces(vocabulary, input.first(), input.source(), warnings);
            List<WordPiece.Piece> b = input.second() == null ? null : pieces(vocabulary, input.second(), input.source() + " (second sentence)", warnings);
            int budget = maxTokens - (b == null ? 2 : 3);
            int keepA = a.size();
            int keepB = b == null ? 0 : b.size();
            while (keepA + keepB > budget) {
                if (keepA >= keepB) {
                    keepA--;
                } else {
                    keepB--;
                }
            }
            warnCut(input.source(), input.first(), a, keepA, maxTokens, warnings);
            if (b != null) {
                warnCut(input.source() + " (second sentence)", input.second(), b, keepB, maxTokens, warnings);
            }
            List<String> row = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            List<Integer> types = new ArrayList<>();
            append(row, ids, types, "[CLS]", vocabulary.idOf("[CLS]"), 0);
            a.subList(0, keepA).forEach(p -> append(row, ids, types, p.text(), p.id(), 0));
            append(row, ids, types, "[SEP]", vocabulary.idOf("[SEP]"), 0);
            if (b != null) {
                b.subList(0, keepB).forEach(p -> append(row, ids, types, p.text(), p.id(), 1));
                append(row, ids, types, "[SEP]", vocabulary.idOf("[SEP]"), 1);
            }
            tokens.add(List.copyOf(row));
            idRows.add(ids.stream().mapToInt(Integer::intValue).toArray());
            typeRows.add(types.stream().mapToInt(Integer::intValue).toArray());
        }
        int length = tokens.stream().mapToInt(List::size).max().orElseThrow();
        int pad = vocabulary.idOf("[PAD]");
        int[][] ids = new int[inputs.size()][length];
        int[][] types = new int[inputs.size()][length];
        for (int i = 0; i < inputs.size(); i++) {
            java.util.Arrays.fill(ids[i], pad);
            System.arraycopy(idRows.get(i), 0, ids[i], 0, idRows.get(i).length);
            System.arraycopy(typeRows.get(i), 0, types[i], 0, typeRows.get(i).length);
        }
        return new TextBatch(List.copyOf(tokens), ids, types, length);
    }

    private static List<WordPiece.Piece> pieces(WordPiece vocabulary, String text, String source, Consumer<String> warnings) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(source + ": empty text");
        }
        List<WordPiece.Piece> pieces = vocabulary.tokenize(text, problem -> warnings.accept(source + ": " + problem));
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(source + ": the text has no tokens (only control characters?)");
        }
        return pieces;
    }

    private static void warnCut(String source, String text, List<WordPiece.Piece> pieces, int kept, int maxTokens,
                                Consumer<String> warnings) {
        if (kept < pieces.size()) {
            int offset = pieces.get(kept).sourceOffset();
            String tail = text.substring(offset, Math.min(text.length(), offset + 30));
            warnings.accept(source + ": truncated to " + maxTokens + " tokens; the text from character " + offset
                    + " (\"" + tail + "...\") on is not seen (" + (pieces.size() - kept) + " tokens dropped)");
        }
    }

    private static void append(List<String> row, List<Integer> ids, List<Integer> types, String token, int id, int type) {
        row.add(token);
        ids.add(id);
        types.add(type);
    }

    public int size() {
        return tokens.size();
    }

    /** Padded sequence length. */
    public int length() {
        return length;
    }

    /** Input {@code i}'s tokens without padding. */
    public List<String> tokens(int i) {
        return tokens.get(i);
    }

    /** Input {@code i}'s vocabulary ids without padding, for provenance. */
    public int[] ids(int i) {
        return java.util.Arrays.copyOf(ids[i], tokens.get(i).size());
    }

    /** Input {@code i}'s segment (token type) ids without padding: 0 for the first sentence, 1 for the second. */
    public int[] segments(int i) {
        return java.util.Arrays.copyOf(types[i], tokens.get(i).size());
    }

    public INDArray inputIds() {
        return Nd4j.createFromArray(ids).castTo(DataType.INT);
    }

    public INDArray tokenTypeIds() {
        return Nd4j.createFromArray(types).castTo(DataType.INT);
    }

    public INDArray positionIds() {
        int[][] positions = new int[size()][length];
        for (int[] row : positions) {
            for (int t = 0; t < length; t++) {
                row[t] = t;
            }
        }
        return Nd4j.createFromArray(positions).castTo(DataType.INT);
    }

    /** Ones for real tokens, zeros for padding, {@code [n][length]}. */
    public INDArray attentionMask() {
        float[][] mask = new float[size()][length];
        for (int i = 0; i < size(); i++) {
            java.util.Arrays.fill(mask[i], 0, tokens.get(i).size(), 1f);
        }
        return Nd4j.createFromArray(mask);
    }

    /** The raw ids, for handing to another runtime in tests and benchmarks. */
    public long[][] idsAsLongs() {
        return toLongs(ids);
    }

    public long[][] typesAsLongs() {
        return toLongs(types);
    }

    public long[][] maskAsLongs() {
        long[][] out = new long[size()][length];
        for (int i = 0; i < size(); i++) {
            java.util.Arrays.fill(out[i], 0, tokens.get(i).size(), 1L);
        }
        return out;
    }

    private static long[][] toLongs(int[][] values) {
        long[][] out = new long[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = java.util.Arrays.stream(values[i]).asLongStream().toArray();
        }
        return out;
    }
}
