package dev.heed.toolkit.engine;

import java.util.Arrays;

/**
 * A float32 tensor in host memory, row-major, with the batch as its first dimension ({@code [n, c, h, w]} or
 * {@code [n, features]}): what goes into and comes out of a {@link PlanPass}. It does not copy: whoever builds one
 * hands over the array, and executors copy what they keep, so the caller's arrays are never written.
 */
public record HostTensor(int[] shape, float[] data) {
    public HostTensor {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("non-positive dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int batch() {
        return shape[0];
    }

    /** The shape without the batch dimension, as a plan's tensors have it. */
    public int[] sampleShape() {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    /** The largest absolute value, for relative tolerances. */
    public double maxAbs() {
        double m = 0;
        for (float v : data) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
