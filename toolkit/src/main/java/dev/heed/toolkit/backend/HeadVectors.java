package dev.heed.toolkit.backend;

/**
 * Per-head query or key vectors of a batch, row-major {@code [n][heads][tokens][dim]}. The shape is checked once,
 * here; the record holds the caller's array without copying it.
 */
public record HeadVectors(float[] values, int n, int heads, int tokens, int dim) {
    public HeadVectors {
        BackendArguments.checkShape("head vectors", values == null ? -1 : values.length, n, heads, tokens, dim);
    }

    /** Whether {@code other} has this batch's shape. */
    public boolean sameShape(HeadVectors other) {
        return n == other.n && heads == other.heads && tokens == other.tokens && dim == other.dim;
    }
}
