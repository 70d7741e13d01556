package dev.heed.toolkit.engine.plan;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An immutable float32 weight array with its logical shape, row-major. Executors read it once, when they compile a
 * plan (a CUDA executor uploads {@link #buffer()}, the CPU reference copies {@link #toArray()}), so handing out copies
 * or read-only views costs nothing per pass.
 */
public final class Weights {
    private final float[] values;
    private final int[] shape;

    /** Copies {@code values}; their count must be the product of {@code shape}. */
    public Weights(float[] values, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " weights do not fill shape " + Arrays.toString(shape));
        }
        this.values = values.clone();
        this.shape = shape.clone();
    }

    public int[] shape() {
        return shape.clone();
    }

    public int length() {
        return values.length;
    }

    public float get(int index) {
        return values[index];
    }

    /** A fresh copy of the values. */
    public float[] toArray() {
        return values.clone();
    }

    /** A read-only view of the values, for uploads. */
    public FloatBuffer buffer() {
        return FloatBuffer.wrap(values).asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return "weights" + Arrays.toString(shape);
    }
}
