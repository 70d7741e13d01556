package dev.heed.toolkit.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes and reads 2-D little-endian float32 arrays in NumPy's {@code .npy} format (version 1.0). */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

    private Npy() {
    }

    public static byte[] encode(float[] values, int rows, int cols) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException(values.length + " values for shape (" + rows + ", " + cols + ")");
        }
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }");
        // The header, with the magic and its length field, pads to a multiple of 64 bytes and ends in a newline.
        while ((MAGIC.length + 2 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 2 + h.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putShort((short) h.length).put(h);
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }

    /** Reads back what {@link #encode} writes; returns the values. */
    public static float[] read(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (in.get() != b) {
                throw new IOException(file + ": not a version 1.0 .npy file");
            }
        }
        int headerLength = in.getShort() & 0xFFFF;
        String header = new String(in.array(), in.position(), headerLength, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'")) {
            throw new IOException(file + ": not float32 little-endian");
        }
        in.position(in.position() + headerLength);
        float[] values = new float[in.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.getFloat();
        }
        return values;
    }
}
