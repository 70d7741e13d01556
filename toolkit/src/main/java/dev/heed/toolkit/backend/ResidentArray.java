package dev.heed.toolkit.backend;

/**
 * A float32 array that lives where its backend computes: on the heap for the CPU backend, in device memory for the
 * CUDA backend. It is made by an {@link ArrayScope}, which owns it and frees it when the scope closes; its values are
 * read only through {@link ArrayScope#download}. Row-major with the batch first, like the batch values
 * ({@code [n][c][h][w]} features, {@code [n][h][w]} maps, {@code [n][c]} channel weights). Backend ops never write to
 * their resident arguments, and they put their results in the scope of their first argument.
 */
public interface ResidentArray {

    /** The dimensions, batch first (a copy). */
    int[] shape();

    /** The scope that owns this array. */
    ArrayScope scope();

    /** How many values the array holds. */
    default long length() {
        return ResidentArrays.elements(shape());
    }
}
