package dev.heed.toolkit.attention.text;

import dev.heed.toolkit.attention.AttentionMaths;
import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.HeadFusion;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a text transformer attends to, per sentence: every layer's and head's token-to-token attention (recomputed
 * from the captured queries and keys through the Backend), the attention rollout, and optionally each token's
 * saliency for the sentence embedding's similarity to a comparison sentence.
 */
public final class TextAttention {
    /** The tokens BERT adds around the text; rollout rows can be shown without them. */
    public static final List<String> SPECIAL_TOKENS = List.of("[CLS]", "[SEP]");

    /**
     * One sentence, padding removed: its vocabulary ids and segment ids {@code [t]}, {@code attention
     * [layers][heads][t][t]} and {@code rollout [t][t]} flattened row-major; {@code saliency [t]} and
     * {@code similarity} are null and NaN without a comparison sentence.
     */
    public record Sentence(List<String> tokens, int[] tokenIds, int[] segmentIds, int layers, int heads,
                           float[] attention, float[] rollout, float[] saliency, double similarity) {
        public int length() {
            return tokens.size();
        }

        /** {@code [head][query][key]} of one layer. */
        public float[][][] layer(int layer) {
            int t = length();
            float[][][] out = new float[heads][t][t];
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < t; q++) {
                    System.arraycopy(attention, (((layer * heads + h) * t) + q) * t, out[h][q], 0, t);
                }
            }
            return out;
        }

        /** {@code [layer][head][query][key]}. */
        public float[][][][] all() {
            float[][][][] out = new float[layers][][][];
            for (int l = 0; l < layers; l++) {
                out[l] = layer(l);
            }
            return out;
        }

        /** How much each token flows into {@code token}'s representation at the top layer, by rollout. */
        public float[] rolloutRow(int token) {
            return java.util.Arrays.copyOfRange(rollout, token * length(), (token + 1) * length());
        }

        /** The rollout as {@code [query][key]}. */
        public float[][] rolloutMatrix() {
            float[][] out = new float[length()][];
            for (int q = 0; q < out.length; q++) {
                out[q] = rolloutRow(q);
            }
            return out;
        }

        /** True at the positions of {@link #SPECIAL_TOKENS} ([CLS] and every [SEP]). */
        public boolean[] special() {
            boolean[] out = new boolean[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = SPECIAL_TOKENS.contains(tokens.get(i));
            }
            return out;
        }

        /**
         * {@link #rolloutRow} with [CLS] and [SEP] set to zero and the rest renormalised to sum to one, because
         * [CLS] and [SEP] take most of the rolled-out weight and leave the words looking alike.
         */
        public float[] rolloutRowWithoutSpecialTokens(int token) {
            return AttentionMaths.withoutMasked(rolloutRow(token), special());
        }
    }

    private TextAttention() {
    }

    /**
     * Explains a batch. {@code compareWith} (may be null) holds one unit sentence embedding per input, {@code [n][hidden]}.
     */
    public static List<Sentence> explain(TextEncoder model, Backend backend, TextBatch batch, INDArray compareWith,
                                         HeadFusion fusion, float discardRatio) {
        TransformerSpec spec = model.spec();
        MiniLm.Capture capture = model.capture(batch);
        int n = batch.size();
        int padded = batch.length();
        int layers = spec.layers();
        int heads = spec.heads();
        float[] keyMask = batch.attentionMask().data().asFloat();
        float[] attention = AttentionMaths.probabilities(backend, capture.queries(), capture.keys(), keyMask, spec);
        INDArray saliency = compareWith == null ? null : model.similaritySaliency(batch, compareWith);
        INDArray similarity = compareWith == null ? null : capture.sentenceEmbeddings().mul(compareWith).sum(1);
        List<Sentence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int t = batch.tokens(i).size();
            float[] trimmed = new float[layers * heads * t * t];
            for (int lh = 0; lh < layers * heads; lh++) {
                for (int q = 0; q < t; q++) {
                    System.arraycopy(attention, ((i * layers * heads + lh) * padded + q) * padded, trimmed, (lh * t + q) * t, t);
                }
            }
            // rollout on the real tokens only, so that the discard ratio counts no padding
            float[] rollout = AttentionMaths.rollout(backend, trimmed, 1, layers, heads, t, fusion, discardRatio, true);
            float[] tokenSaliency = saliency == null ? null
                    : java.util.Arrays.copyOf(saliency.getRow(i).toFloatVector(), t);
            out.add(new Sentence(batch.tokens(i), batch.ids(i), batch.segments(i), layers, heads, trimmed, rollout, tokenSaliency,
                    similarity == null ? Double.NaN : similarity.getDouble(i)));
        }
        return out;
    }
}
