package dev.heed.toolkit.backend;

import java.util.Arrays;

/**
 * The scope of the CPU backend (and the default of any backend): arrays on the heap, freed by the garbage collector.
 * Closing it only marks it closed, so that a use after close fails as it would on a device.
 */
final class HostArrayScope implements ArrayScope {
    private boolean closed;
    private final java.util.Set<ResidentArray> released = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /** A heap array; {@code values} is owned by the array and never written after it is made. */
    record HostArray(float[] values, int[] dimensions, HostArrayScope owner) implements ResidentArray {
        @Override
        public int[] shape() {
            return dimensions.clone();
        }

        @Override
        public ArrayScope scope() {
            return owner;
        }
    }

    @Override
    public ResidentArray upload(float[] values, int... shape) {
        return adopt(values.clone(), shape);
    }

    /** Wraps a fresh array that nobody else holds, without copying it. */
    ResidentArray adopt(float[] values, int... shape) {
        requireOpen();
        ResidentArrays.checkLength(values.length, shape);
        return new HostArray(values, shape.clone(), this);
    }

    @Override
    public float[] download(ResidentArray array) {
        return values(array).clone();
    }

    /** The array's own values, not copied: for ops, which only read them. */
    float[] values(ResidentArray array) {
        requireOpen();
        if (!(array instanceof HostArray host) || host.owner() != this) {
            throw new IllegalArgumentException("the array " + Arrays.toString(array.shape()) + " belongs to another scope");
        }
        if (released.contains(array)) {
            throw new IllegalStateException("the array " + Arrays.toString(array.shape()) + " was released");
        }
        return host.values();
    }

    /** Heap arrays are the garbage collector's; releasing checks the array and forgets it. */
    @Override
    public void release(ResidentArray array) {
        values(array);
        if (!released.add(array)) {
            throw new IllegalArgumentException("the array " + Arrays.toString(array.shape()) + " was released already");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the array scope is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
