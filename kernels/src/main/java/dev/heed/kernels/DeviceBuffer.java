package dev.heed.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/** Device memory owned by whoever holds this; closing frees it once. Copies go through a bounded off-heap staging chunk. */
public final class DeviceBuffer implements AutoCloseable {
    private final CudaDevice device;
    private final long pointer;
    private final long bytes;
    private boolean closed;

    DeviceBuffer(CudaDevice device, long pointer, long bytes) {
        this.device = device;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    public long pointer() {
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    /** The device handle that allocated this buffer. */
    public CudaDevice device() {
        return device;
    }

    /** Host data crosses through an off-heap staging chunk of this many bytes, so no copy of a whole batch is made. */
    private static final int CHUNK = 64 << 20;

    /** Copies {@code values} to the start of this buffer; on failure the buffer frees itself (callers chain allocate().upload()). */
    public DeviceBuffer upload(float[] values) {
        return upload((long) values.length * 4, (offset, count, staging) -> ((FloatPointer) staging).put(values, offset, count), 4, true);
    }

    public DeviceBuffer upload(int[] values) {
        return upload((long) values.length * 4, (offset, count, staging) -> ((IntPointer) staging).put(values, offset, count), 4, false);
    }

    private interface Fill {
        void into(int offset, int count, Pointer staging);
    }

    private DeviceBuffer upload(long total, Fill fill, int elementBytes, boolean floats) {
        try {
            if (total > bytes) {
                throw new IllegalArgumentException("copy of " + total + " bytes into a buffer of " + bytes);
            }
            int perChunk = CHUNK / elementBytes;
            long elements = total / elementBytes;
            try (Pointer staging = floats ? new FloatPointer(Math.min(perChunk, Math.max(1, elements)))
                    : new IntPointer(Math.min(perChunk, Math.max(1, elements)))) {
                for (long done = 0; done < elements; done += perChunk) {
                    int count = (int) Math.min(perChunk, elements - done);
                    fill.into((int) done, count, staging);
                    device.makeCurrent();
                    CudaDevice.check("cuMemcpyHtoD", CudaDriver.heed_cuda_to_device(pointer + done * elementBytes, staging,
                            (long) count * elementBytes), total + " bytes");
                    device.countToDevice((long) count * elementBytes);
                }
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public float[] downloadFloats(int count) {
        float[] out = new float[count];
        download((long) count * 4, 4, true, (offset, n, staging) -> ((FloatPointer) staging).get(out, offset, n));
        return out;
    }

    public int[] downloadInts(int count) {
        int[] out = new int[count];
        download((long) count * 4, 4, false, (offset, n, staging) -> ((IntPointer) staging).get(out, offset, n));
        return out;
    }

    private void download(long total, int elementBytes, boolean floats, Fill drain) {
        if (total > bytes) {
            throw new IllegalArgumentException("copy of " + total + " bytes out of a buffer of " + bytes);
        }
        int perChunk = CHUNK / elementBytes;
        long elements = total / elementBytes;
        try (Pointer staging = floats ? new FloatPointer(Math.min(perChunk, Math.max(1, elements)))
                : new IntPointer(Math.min(perChunk, Math.max(1, elements)))) {
            for (long done = 0; done < elements; done += perChunk) {
                int count = (int) Math.min(perChunk, elements - done);
                device.makeCurrent();
                CudaDevice.check("cuMemcpyDtoH", CudaDriver.heed_cuda_to_host(staging, pointer + done * elementBytes,
                        (long) count * elementBytes), total + " bytes");
                device.countToHost((long) count * elementBytes);
                drain.into((int) done, count, staging);
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.free(pointer);
        }
    }
}
