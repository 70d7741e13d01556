package dev.heed.kernels;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A kernel's arguments packed as the driver reads them from CU_LAUNCH_PARAM_BUFFER_POINTER: each at its natural
 * alignment (pointers and long long at 8, int and float at 4), in declaration order, little-endian.
 */
public final class KernelArguments {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    public KernelArguments pointer(DeviceBuffer buffer) {
        return align(8).put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(buffer == null ? 0 : buffer.pointer()));
    }

    /** A device address {@code byteOffset} bytes into {@code buffer}, e.g. one matrix of a batch. */
    public KernelArguments pointerAt(DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || byteOffset >= buffer.bytes()) {
            throw new IllegalArgumentException("offset " + byteOffset + " outside a buffer of " + buffer.bytes() + " bytes");
        }
        return align(8).put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(buffer.pointer() + byteOffset));
    }

    public KernelArguments int32(int value) {
        return align(4).put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value));
    }

    public KernelArguments int64(long value) {
        return align(8).put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value));
    }

    public KernelArguments float32(float value) {
        return align(4).put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value));
    }

    private KernelArguments align(int to) {
        while (bytes.size() % to != 0) {
            bytes.write(0);
        }
        return this;
    }

    private KernelArguments put(ByteBuffer b) {
        bytes.writeBytes(b.array());
        return this;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }
}
