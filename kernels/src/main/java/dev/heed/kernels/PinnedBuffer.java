package dev.heed.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Page-locked host memory, owned by whoever holds this; closing frees it once. Asynchronous copies on a
 * {@link CudaStream} need it: from pageable memory the driver copies synchronously, and nothing overlaps. Java writes
 * and reads it through {@link #floats()} and {@link #ints()}, direct-buffer views of the same bytes, which are valid
 * only until {@link #close()}.
 */
public final class PinnedBuffer implements AutoCloseable {
    private final CudaDevice device;
    private final long address;
    private final long bytes;
    private final ByteBuffer view;
    private boolean closed;

    PinnedBuffer(CudaDevice device, long address, long bytes) {
        this.device = device;
        this.address = address;
        this.bytes = bytes;
        if (bytes > Integer.MAX_VALUE) {
            device.freePinned(address);
            throw new IllegalArgumentException("pinned buffers are at most 2 GiB (a Java buffer's limit), asked for " + bytes);
        }
        this.view = new Address(address, bytes).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** A JavaCPP pointer over memory it does not own, only to make the direct-buffer view. */
    private static final class Address extends BytePointer {
        Address(long address, long bytes) {
            super();
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    public long address() {
        return address;
    }

    public long bytes() {
        return bytes;
    }

    /** The memory as floats, position 0; a fresh view each call. */
    public FloatBuffer floats() {
        ensureOpen();
        return view.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The memory as ints, position 0; a fresh view each call. */
    public IntBuffer ints() {
        ensureOpen();
        return view.duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("pinned buffer is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.freePinned(address);
        }
    }
}
