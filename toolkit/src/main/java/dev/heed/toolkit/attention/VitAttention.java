package dev.heed.toolkit.attention;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.HeadFusion;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What a vision transformer attends to, for a batch of images: the class token's attention to every patch for each
 * layer and head, the attention rollout (class-agnostic), and Chefer et al.'s gradient-weighted relevance for a
 * target class. All maps are patch grids, {@code side x side}, row-major.
 */
public final class VitAttention {
    /** Settings of the read-outs. */
    public record Settings(HeadFusion fusion, float discardRatio) {
        public static final Settings DEFAULTS = new Settings(HeadFusion.MEAN, 0f);
    }

    /**
     * One batch's maps: {@code classToPatch [n][layers][heads][patches]}, {@code rollout} and {@code classSpecific}
     * {@code [n][patches]}; {@code probabilities [n][classes]} is the softmax of the logits.
     */
    public record Result(int n, int layers, int heads, int side, int[] targets, float[][] probabilities,
                         float[] classToPatch, float[] rollout, float[] classSpecific) {
        public int patches() {
            return side * side;
        }

        /** Image {@code i}'s class-token-to-patch map of one layer and head. */
        public float[] classToPatch(int i, int layer, int head) {
            float[] out = new float[patches()];
            System.arraycopy(classToPatch, ((i * layers + layer) * heads + head) * patches(), out, 0, patches());
            return out;
        }

        public float[] rollout(int i) {
            return java.util.Arrays.copyOfRange(rollout, i * patches(), (i + 1) * patches());
        }

        public float[] classSpecific(int i) {
            return java.util.Arrays.copyOfRange(classSpecific, i * patches(), (i + 1) * patches());
        }
    }

    private VitAttention() {
    }

    /**
     * Explains a batch. {@code targets[i]} is the class to explain for image {@code i}, or -1 for its top-1 class.
     */
    public static Result explain(VitModel vit, Backend backend, INDArray images, int[] targets, Settings settings) {
        TransformerSpec spec = vit.architecture().encoder();
        int n = (int) images.size(0);
        int tokens = vit.tokens();
        int layers = spec.layers();
        int heads = spec.heads();
        VisionTransformer.Capture capture = vit.capture(images);
        INDArray probabilities = Transforms.softmax(capture.logits(), true);
        int[] chosen = new int[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = targets[i] >= 0 ? targets[i] : probabilities.getRow(i).argMax().getInt(0);
        }
        float[] attention = AttentionMaths.probabilities(backend, capture.queries(), capture.keys(), null, spec);
        float[] classToPatch = AttentionMaths.row(attention, n * layers * heads, tokens, 0, 1);
        float[] rolled = AttentionMaths.rollout(backend, attention, n, layers, heads, tokens, settings.fusion(),
                settings.discardRatio(), true);
        List<INDArray> relevance = vit.attentionRelevance(images, chosen);
        float[] weighted = AttentionMaths.rollout(backend, AttentionMaths.stackLayers(relevance), n, layers, heads, tokens,
                HeadFusion.MEAN_OF_POSITIVE, 0f, false);
        float[][] p = new float[n][];
        for (int i = 0; i < n; i++) {
            p[i] = probabilities.getRow(i).toFloatVector();
        }
        int side = (int) Math.round(Math.sqrt(tokens - 1));
        return new Result(n, layers, heads, side, chosen, p, classToPatch, AttentionMaths.row(rolled, n, tokens, 0, 1),
                AttentionMaths.row(weighted, n, tokens, 0, 1));
    }
}
