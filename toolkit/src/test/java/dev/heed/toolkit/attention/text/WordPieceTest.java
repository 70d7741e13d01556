package dev.heed.toolkit.attention.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordPieceTest {
    private static final WordPiece VOCABULARY = WordPiece.bundled();

    private static List<String> tokens(String text, List<String> problems) {
        return VOCABULARY.tokenize(text, problems::add).stream().map(WordPiece.Piece::text).toList();
    }

    @Test
    void splitsLikeBertBaseUncased() {
        // the Hugging Face course's example for bert-base-uncased
        assertEquals(List.of("i", "have", "a", "new", "gp", "##u", "!"), tokens("I have a new GPU!", new ArrayList<>()));
        assertEquals(101, VOCABULARY.idOf("[CLS]"));
        assertEquals(102, VOCABULARY.idOf("[SEP]"));
        assertEquals(1996, VOCABULARY.idOf("the"));
        assertEquals(30522, VOCABULARY.size());
    }

    @Test
    void lowerCasesStripsAccentsAndIsolatesPunctuationAndIdeographs() {
        List<String> problems = new ArrayList<>();
        assertEquals(List.of("cafe", "-", "naive", ",", "ok", "."), tokens("Café-NAÏVE,ok.", problems));
        assertEquals(2, tokens("\u4E2D\u6587", problems).size(), "each ideograph is its own word");
        assertEquals(List.of("a", "b"), tokens("a\u0000\u200Bb".replace("\u200B", " "), problems));
    }

    @Test
    void unknownCharactersAndOverlongWordsBecomeUnkWithAMessageSayingWhere() {
        List<String> problems = new ArrayList<>();
        assertEquals(List.of("hi", "[UNK]"), tokens("hi \uD83D\uDE42", problems));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("at character 3") && problems.get(0).contains("U+1F642"), problems.get(0));
        problems.clear();
        assertEquals(List.of("[UNK]"), tokens("a".repeat(101), problems));
        assertTrue(problems.get(0).contains("longer than 100 characters"), problems.get(0));
    }

    @Test
    void pairsAreTypedPaddedAndCutWithAWarningThatSaysWhere() {
        List<String> warnings = new ArrayList<>();
        TextBatch batch = TextBatch.encode(VOCABULARY, List.of(
                new TextBatch.Input("How old are you?", "What is your age?", "pair"),
                new TextBatch.Input("one two three four five six seven eight", null, "long")), 8, warnings::add);
        assertEquals(8, batch.tokens(0).size(), "cut to 8 with [CLS] and two [SEP]");
        assertEquals(List.of("[CLS]", "how", "old", "[SEP]", "what", "is", "your", "[SEP]").size(), batch.tokens(0).size());
        assertEquals(0, batch.tokenTypeIds().getInt(0, 3), "the first [SEP] belongs to sentence A");
        assertEquals(1, batch.tokenTypeIds().getInt(0, 7));
        assertEquals(List.of("[CLS]", "one", "two", "three", "four", "five", "six", "[SEP]"), batch.tokens(1));
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("long: truncated to 8 tokens; the text from character 28 (\"seven eight")), warnings.toString());
        assertEquals(2, warnings.stream().filter(w -> w.startsWith("pair")).count(), "both halves of the pair were cut: " + warnings);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextBatch.encode(VOCABULARY, List.of(new TextBatch.Input("  ", null, "line 4")), 128, w -> { }));
        assertEquals("line 4: empty text", e.getMessage());
    }
}
