package dev.heed.toolkit.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** One forward pass whose layer state is kept for exactly one backward pass; close it to release the model. */
public interface ModelPass extends AutoCloseable {

    /** Logits {@code [n][classes]}. */
    INDArray logits();

    /** The captured layer's output, or null when nothing was captured. */
    INDArray captured();

    /**
     * Gradient of {@code sum_ij scoreWeights[i][j] * logits[i][j]} with respect to the captured layer's output, or to the
     * input when nothing was captured. The backward pass stops there and goes no further.
     */
    INDArray backward(INDArray scoreWeights);

    @Override
    void close();
}
