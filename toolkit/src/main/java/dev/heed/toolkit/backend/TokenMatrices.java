package dev.heed.toolkit.backend;

/**
 * {@code count} square token-mixing matrices per image, row-major {@code [n][count][tokens][tokens]}: one layer's
 * heads (count = heads), a stack of layers (count = layers), or one fused matrix per image (count = 1). The shape is
 * checked once, here; the record holds the caller's array without copying it.
 */
public record TokenMatrices(float[] values, int n, int count, int tokens) {
    public TokenMatrices {
        BackendArguments.checkShape("token matrices", values == null ? -1 : values.length, n, count, tokens, tokens);
    }

    /** The same values seen as {@code [n][count][tokens][tokens]} with another split of the leading two axes. */
    public TokenMatrices regroup(int images, int perImage) {
        return new TokenMatrices(values, images, perImage, tokens);
    }
}
