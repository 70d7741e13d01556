package dev.heed.toolkit.backend.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.backend.ResidentArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CUDA backend's {@link ArrayScope}: each array is a device buffer this scope owns and frees on close. A model pass
 * on another handle of the same GPU (Heed's CUDA engine opens its own) hands over its tensors with {@link #copyOf}, a
 * device-to-device copy: the two handles share the device's primary context. Calls are serialised on the backend,
 * which also serialises its ops.
 */
public final class CudaArrayScope implements ArrayScope {
    private final CudaDevice device;
    private final Object lock;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private boolean closed;

    /** A device array of this scope. */
    record DeviceArray(DeviceBuffer buffer, int[] dimensions, CudaArrayScope owner) implements ResidentArray {
        @Override
        public int[] shape() {
            return dimensions.clone();
        }

        @Override
        public ArrayScope scope() {
            return owner;
        }
    }

    CudaArrayScope(CudaDevice device, Object lock) {
        this.device = device;
        this.lock = lock;
    }

    @Override
    public ResidentArray upload(float[] values, int... shape) {
        synchronized (lock) {
            ResidentArrays.checkLength(values.length, shape);
            DeviceArray array = allocate("upload", shape);
            if (values.length > 0) {
                array.buffer().upload(values);
            }
            return array;
        }
    }

    @Override
    public float[] download(ResidentArray array) {
        synchronized (lock) {
            DeviceArray own = own(array);
            return own.buffer().downloadFloats(Math.toIntExact(own.length()));
        }
    }

    /** Whether a buffer of {@code other} can be handed to this scope without the host: a handle on the same GPU. */
    public boolean reaches(CudaDevice other) {
        return other.ordinal() == device.ordinal();
    }

    /** A new array of this scope holding a copy of the first values of {@code source}, a buffer on the same GPU. */
    public ResidentArray copyOf(DeviceBuffer source, int... shape) {
        synchronized (lock) {
            if (!reaches(source.device())) {
                throw new IllegalArgumentException("a buffer of CUDA device " + source.device().ordinal()
                        + " cannot join a scope of device " + device.ordinal());
            }
            DeviceArray array = allocate("copyOf", shape);
            long bytes = array.length() * Float.BYTES;
            if (bytes > 0) {
                device.copy(array.buffer(), source, bytes);
            }
            return array;
        }
    }

    /** Whether {@code array} is one of this open scope's. */
    public boolean holds(ResidentArray array) {
        synchronized (lock) {
            return !closed && array instanceof DeviceArray d && d.owner() == this && owned.contains(d.buffer());
        }
    }

    /**
     * Copies {@code array} (one of this scope's) to the start of {@code target}, a buffer on the same GPU: how a model
     * pass on another handle takes a resident input without the host.
     */
    public void copyTo(ResidentArray array, DeviceBuffer target) {
        synchronized (lock) {
            DeviceArray own = own(array);
            if (!reaches(target.device())) {
                throw new IllegalArgumentException("a buffer of CUDA device " + target.device().ordinal()
                        + " cannot take an array of device " + device.ordinal());
            }
            long bytes = own.length() * Float.BYTES;
            if (bytes > 0) {
                device.copy(target, own.buffer(), bytes);
            }
        }
    }

    /** Frees the array's buffer now; see {@link ArrayScope#release}. */
    @Override
    public void release(ResidentArray array) {
        synchronized (lock) {
            DeviceArray own = own(array);
            for (int i = owned.size() - 1; i >= 0; i--) {
                if (owned.get(i) == own.buffer()) {
                    owned.remove(i);
                    own.buffer().close();
                    return;
                }
            }
            throw new IllegalArgumentException("the array " + Arrays.toString(array.shape()) + " was released already");
        }
    }

    /** A new, unwritten array of this scope. The caller holds the backend's lock. */
    DeviceArray allocate(String operation, int... shape) {
        requireOpen();
        DeviceBuffer buffer = device.allocate(ResidentArrays.elements(shape) * Float.BYTES, operation);
        owned.add(buffer);
        return new DeviceArray(buffer, shape.clone(), this);
    }

    /** Whether {@code backend} (its lock) made this scope. */
    boolean madeBy(Object backend) {
        return lock == backend;
    }

    /** {@code array} as one of this scope's, or null when it belongs to another scope (the backend then takes its default path). */
    DeviceArray mine(ResidentArray array) {
        requireOpen();
        if (!(array instanceof DeviceArray d) || d.owner() != this) {
            return null;
        }
        if (!owned.contains(d.buffer())) {
            throw new IllegalStateException("the array " + Arrays.toString(array.shape()) + " was released");
        }
        return d;
    }

    private DeviceArray own(ResidentArray array) {
        DeviceArray d = mine(array);
        if (d == null) {
            throw new IllegalArgumentException("the array " + Arrays.toString(array.shape()) + " belongs to another scope");
        }
        return d;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the array scope is closed");
        }
    }

    /** Frees every array of the scope, newest first. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            // every buffer gets its close even if one fails (a sticky CUDA error): the first failure is thrown with the
            // later ones suppressed
            RuntimeException failure = null;
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            owned.clear();
            if (failure != null) {
                throw failure;
            }
        }
    }
}
