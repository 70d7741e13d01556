package dev.heed.toolkit.backend;

import java.util.Arrays;

/**
 * How a {@link Backend}'s default resident ops reach the host ops: the arrays' values as batch values, and the results
 * back into the arguments' scope. On the heap scope nothing is copied; on another scope each default op downloads its
 * arguments and uploads its result, which is what a backend overrides to avoid.
 */
public final class ResidentArrays {
    private ResidentArrays() {
    }

    /** How many values an array of {@code shape} holds; a negative dimension is refused. */
    public static long elements(int... shape) {
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("an array cannot have a negative size: " + Arrays.toString(shape));
            }
            count *= d;
        }
        return count;
    }

    /** Checks {@code shape} against a value count: every dimension non-negative, the product {@code length}. */
    public static void checkLength(long length, int... shape) {
        long expected = elements(shape);
        if (expected != length) {
            throw new IllegalArgumentException("an array of shape " + Arrays.toString(shape) + " holds " + expected + " values, got " + length);
        }
    }

    /** The array's shape, which must have {@code rank} dimensions. */
    public static int[] requireRank(ResidentArray array, int rank, String what) {
        int[] shape = array.shape();
        if (shape.length != rank) {
            throw new IllegalArgumentException(what + " must have " + rank + " dimensions, got " + Arrays.toString(shape));
        }
        return shape;
    }

    /** The shape of one of {@code blocks} equal blocks along the first axis of {@code stacked}. */
    public static int[] blockShape(ResidentArray stacked, int blocks) {
        int[] shape = stacked.shape();
        if (blocks < 1 || shape.length == 0 || shape[0] % blocks != 0) {
            throw new IllegalArgumentException("an array of shape " + Arrays.toString(shape) + " does not split into " + blocks + " blocks");
        }
        shape[0] /= blocks;
        return shape;
    }

    static Features features(ResidentArray array) {
        int[] s = requireRank(array, 4, "features");
        return new Features(values(array), s[0], s[1], s[2], s[3]);
    }

    static Maps maps(ResidentArray array) {
        int[] s = requireRank(array, 3, "maps");
        return new Maps(values(array), s[0], s[1], s[2]);
    }

    /** Channel weights {@code [n][c]} as the host ops take them. */
    static float[] weights(ResidentArray array) {
        requireRank(array, 2, "channel weights");
        return values(array);
    }

    /** The values without a copy on the heap scope (the host ops never write them), a download elsewhere. */
    static float[] values(ResidentArray array) {
        return array.scope() instanceof HostArrayScope host ? host.values(array) : array.scope().download(array);
    }

    /** {@code fresh} (an array nobody else holds) as a resident array of {@code scope}: adopted on the heap, else uploaded. */
    static ResidentArray give(ArrayScope scope, float[] fresh, int... shape) {
        return scope instanceof HostArrayScope host ? host.adopt(fresh, shape) : scope.upload(fresh, shape);
    }
}
