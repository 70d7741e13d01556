package dev.heed.toolkit.attention;

import dev.heed.toolkit.model.ModelCard;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The passes {@link VitAttention} needs from a vision transformer, whoever runs them: {@link VisionTransformer} on
 * SameDiff, or the explanation engine's plan ({@code engine.adapter.VitPlanModel}).
 */
public interface VitModel {
    ModelCard card();

    VisionTransformer.Architecture architecture();

    /** Patches plus the class token. */
    int tokens();

    /** Logits, and every layer's queries, keys and attention probabilities, in inference mode. */
    VisionTransformer.Capture capture(INDArray images);

    /** Per layer, {@code dScore/dA * A} for each image's target class score ({@code [n][heads][tokens][tokens]}). */
    List<INDArray> attentionRelevance(INDArray images, int[] targets);
}
