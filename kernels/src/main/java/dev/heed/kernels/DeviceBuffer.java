package dev.heed.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Device memory owned by whoever holds this; closing frees it once. Copies go through pinned-free host arrays. */
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

    public DeviceBuffer upload(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return upload(b.array());
    }

    public DeviceBuffer upload(int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return upload(b.array());
    }

    private DeviceBuffer upload(byte[] host) {
        if (host.length > bytes) {
            throw new IllegalArgumentException("copy of " + host.length + " bytes into a buffer of " + bytes);
        }
        device.makeCurrent();
        CudaDevice.check("cuMemcpyHtoD", CudaDriver.heed_cuda_to_device(pointer, host, host.length), host.length + " bytes");
        return this;
    }

    public float[] downloadFloats(int count) {
        float[] out = new float[count];
        ByteBuffer.wrap(download(count * 4L)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public int[] downloadInts(int count) {
        int[] out = new int[count];
        ByteBuffer.wrap(download(count * 4L)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        return out;
    }

    private byte[] download(long count) {
        byte[] host = new byte[(int) count];
        device.makeCurrent();
        CudaDevice.check("cuMemcpyDtoH", CudaDriver.heed_cuda_to_host(host, pointer, count), count + " bytes");
        return host;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.free(pointer);
        }
    }
}
