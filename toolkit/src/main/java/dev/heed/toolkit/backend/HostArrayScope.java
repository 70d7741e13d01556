package dev.heed.toolkit.backend;

import java.util.Arrays;

/**
 * The scope of the CPU backend (and the default of any backend): arrays on the heap, freed by the garbage collector.
 * Closing it only marks it closed, so that a use after close fails as it would on a device.
 */
final class HostArrayScope implements ArrayScope {
    private boolean closed;

    /** A heap array; its values are owned by the array, never written after it is made, and dropped on release. */
    static final class HostArray implements ResidentArray {
        private final int[] dimensions;
        private final HostArrayScope owner;
        private float[] values;

        HostArray(float[] values, int[] dimensions, HostArrayScope owner) {
            this.values = values;
            this.dimensions = dimensions;
            this.owner = owner;
        }

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
        return own(array).values;
    }

    /** Drops the array's values, so the garbage collector can take them now. */
    @Override
    public void release(ResidentArray array) {
        own(array).values = null;
    }

    /** {@code array} as one of this open scope's that is not released yet. */
    private HostArray own(ResidentArray array) {
        requireOpen();
        if (!(array instanceof HostArray host) || host.owner != this) {
            throw new IllegalArgumentException("the array " + Arrays.toString(array.shape()) + " belongs to another scope");
        }
        if (host.values == null) {
            throw new IllegalStateException("the array " + Arrays.toString(array.shape()) + " was released");
        }
        return host;
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
