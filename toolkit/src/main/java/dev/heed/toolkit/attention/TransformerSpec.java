package dev.heed.toolkit.attention;

/**
 * The shape of a transformer encoder.
 *
 * @param preNorm true for pre-LN blocks ({@code x + f(LN(x))}, ViT), false for post-LN blocks ({@code LN(x + f(x))}, BERT)
 */
public record TransformerSpec(int layers, int heads, int hidden, int intermediate, boolean preNorm, double layerNormEps) {
    public TransformerSpec {
        if (layers < 1 || heads < 1 || hidden < 1 || intermediate < 1) {
            throw new IllegalArgumentException("transformer sizes must be positive: " + layers + " layers, " + heads
                    + " heads, hidden " + hidden + ", intermediate " + intermediate);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not a multiple of " + heads + " heads");
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    /** {@code 1 / sqrt(headDim)}: the scale inside {@code softmax(QK^T / sqrt(d))}. */
    public float attentionScale() {
        return (float) (1.0 / Math.sqrt(headDim()));
    }
}
