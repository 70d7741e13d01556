package dev.heed.toolkit.training.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few protobuf wire-format encodings an {@code Event} needs, so no protobuf runtime or generated code is required.
 * Fields are appended in call order; every field is written even when it holds its default value.
 */
final class Protobuf {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Protobuf doubleField(int field, double value) {
        tag(field, FIXED64);
        littleEndian(Double.doubleToRawLongBits(value), Long.BYTES);
        return this;
    }

    /** Negative values take ten bytes, as protobuf's {@code int64} (not {@code sint64}) specifies. */
    Protobuf int64Field(int field, long value) {
        tag(field, VARINT);
        varint(value);
        return this;
    }

    /** Raw bits, so NaN and infinities reach the file unchanged. */
    Protobuf floatField(int field, float value) {
        tag(field, FIXED32);
        littleEndian(Float.floatToRawIntBits(value), Integer.BYTES);
        return this;
    }

    Protobuf stringField(int field, String value) {
        return bytesField(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Protobuf messageField(int field, Protobuf message) {
        return bytesField(field, message.toByteArray());
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }

    private Protobuf bytesField(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        varint(value.length);
        bytes.writeBytes(value);
        return this;
    }

    private void tag(int field, int wireType) {
        varint((long) field << 3 | wireType);
    }

    private void varint(long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            bytes.write((int) (rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        bytes.write((int) rest);
    }

    private void littleEndian(long value, int byteCount) {
        for (int i = 0; i < byteCount; i++) {
            bytes.write((int) (value >>> (8 * i)));
        }
    }
}
