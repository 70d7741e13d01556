package dev.heed.toolkit.attention.text;

import dev.heed.toolkit.attention.TransformerSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The passes {@link TextAttention} needs from a sentence encoder, whoever runs them: {@link MiniLm} on SameDiff, or
 * the explanation engine's plan ({@code engine.adapter.MiniLmPlanModel}).
 */
public interface TextEncoder {
    TransformerSpec spec();

    /** Runs the encoder on a batch and keeps every layer's queries, keys and attention probabilities. */
    MiniLm.Capture capture(TextBatch batch);

    /**
     * Gradient times input of {@code cos(embedding(input i), compare[i])} on the word embeddings, summed over the
     * hidden axis: {@code [n][tokens]} (zero on padding).
     */
    INDArray similaritySaliency(TextBatch batch, INDArray compare);
}
