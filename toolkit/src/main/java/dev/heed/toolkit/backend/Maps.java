package dev.heed.toolkit.backend;

/**
 * A batch of {@code n} maps of {@code height x width} values, row-major {@code [n][height][width]}: what the Backend's
 * map ops take and give. The shape is checked once, here. The record holds the caller's array without copying it;
 * the ops never write to it.
 */
public record Maps(float[] values, int n, int height, int width) {
    public Maps {
        BackendArguments.checkShape("maps", values == null ? -1 : values.length, n, height, width);
    }

    /** {@code n} maps of {@code pixels} values each, for ops that do not care about rows and columns. */
    public static Maps ofPixels(float[] values, int n, int pixels) {
        return new Maps(values, n, 1, pixels);
    }

    /** Values per map. */
    public int pixels() {
        return height * width;
    }

    /** A copy of map {@code i}. */
    public float[] map(int i) {
        java.util.Objects.checkIndex(i, n);
        return java.util.Arrays.copyOfRange(values, i * pixels(), (i + 1) * pixels());
    }

    /** A copy of maps {@code [from, from + count)}. */
    public Maps slice(int from, int count) {
        java.util.Objects.checkFromIndexSize(from, count, n);
        return new Maps(java.util.Arrays.copyOfRange(values, from * pixels(), (from + count) * pixels()), count, height, width);
    }
}
