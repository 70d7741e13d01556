package dev.heed.toolkit.training.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads event files back with a TFRecord parser and protobuf decoder written here from the format specs, sharing no
 * code with the writer, so an encoding mistake cannot cancel itself out.
 */
class EventFileTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L, 250_000_000), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void scalarsRoundTripThroughAnIndependentReader() throws Exception {
        Path file;
        try (EventFileWriter writer = new EventFileWriter(dir, CLOCK)) {
            writer.scalar("loss", 0, 1_700_000_001.5, 2.5f);
            writer.scalar("train/accuracy", 0, 1_700_000_001.5, 0.125f);
            writer.scalar("loss", 5_000_000_000L, 1_700_000_002.75, Float.NaN);
            file = writer.file();
        }
        assertEquals(List.of(file), Files.list(dir).toList());
        assertTrue(file.getFileName().toString().matches("events\\.out\\.tfevents\\.1700000000\\.[A-Za-z0-9._-]+\\.heed"),
                file.getFileName().toString());

        List<byte[]> records = records(Files.readAllBytes(file));
        assertEquals(4, records.size());
        Map<Integer, List<Object>> header = fields(records.get(0));
        assertEquals(1_700_000_000.25, Double.longBitsToDouble((Long) header.get(1).get(0)));
        assertEquals("brain.Event:2", new String((byte[]) header.get(3).get(0), StandardCharsets.UTF_8));
        assertFalse(header.containsKey(5), "the version record carries no summary");

        assertEquals(new Scalar(1_700_000_001.5, 0, "loss", 2.5f), scalar(records.get(1)));
        assertEquals(new Scalar(1_700_000_001.5, 0, "train/accuracy", 0.125f), scalar(records.get(2)));
        Scalar nan = scalar(records.get(3));
        assertEquals(5_000_000_000L, nan.step());
        assertEquals(1_700_000_002.75, nan.wallTime());
        assertEquals("loss", nan.tag());
        assertTrue(Float.isNaN(nan.value()), "NaN must reach the file as NaN");
    }

    @Test
    void corruptedBytesFailTheReadersChecksums() throws Exception {
        Path file;
        try (EventFileWriter writer = new EventFileWriter(dir, CLOCK)) {
            writer.scalar("loss", 1, 1_700_000_001, 0.5f);
            file = writer.file();
        }
        byte[] intact = Files.readAllBytes(file);
        assertEquals(2, records(intact).size());

        byte[] badData = intact.clone();
        badData[badData.length - 5] ^= 0x01; // the last data byte, just before the data checksum
        IOException dataError = assertThrows(IOException.class, () -> records(badData));
        assertTrue(dataError.getMessage().contains("data checksum"), dataError.getMessage());

        byte[] badLength = intact.clone();
        badLength[0] ^= 0x01;
        IOException lengthError = assertThrows(IOException.class, () -> records(badLength));
        assertTrue(lengthError.getMessage().contains("length checksum"), lengthError.getMessage());
    }

    @Test
    void flushedRecordsAreReadableAndNeverRewritten() throws Exception {
        EventFileWriter writer = new EventFileWriter(dir, CLOCK);
        byte[] flushed;
        try (writer) {
            writer.scalar("loss", 1, 1_700_000_001, 0.5f);
            writer.flush();
            flushed = Files.readAllBytes(writer.file());
            assertEquals(2, records(flushed).size());
            writer.scalar("loss", 2, 1_700_000_002, 0.25f);
        }
        byte[] closed = Files.readAllBytes(writer.file());
        assertEquals(3, records(closed).size());
        assertArrayEquals(flushed, Arrays.copyOf(closed, flushed.length), "earlier bytes must not change");
        assertThrows(IOException.class, () -> writer.scalar("loss", 3, 1_700_000_003, 0.125f));
        writer.close();
    }

    @Test
    void aSecondWriterInTheSameSecondDoesNotOverwriteTheFirst() throws Exception {
        Path file;
        try (EventFileWriter first = new EventFileWriter(dir, CLOCK)) {
            first.scalar("loss", 1, 1_700_000_001, 0.5f);
            file = first.file();
        }
        assertThrows(FileAlreadyExistsException.class, () -> new EventFileWriter(dir, CLOCK).close());
        assertEquals(2, records(Files.readAllBytes(file)).size(), "the first file must stay intact");
    }

    @Test
    void crc32cMatchesKnownVectors() {
        byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        byte[] zeros = new byte[32];
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xFF);

        assertEquals(0xE3069283, bitwiseCrc32c(digits, 0, digits.length));
        assertEquals(0x8A9136AA, bitwiseCrc32c(zeros, 0, zeros.length));
        assertEquals(0x62A8AB43, bitwiseCrc32c(ones, 0, ones.length));

        assertEquals(0xE3069283, Crc32c.of(digits, 0, digits.length));
        assertEquals(0x8A9136AA, Crc32c.of(zeros, 0, zeros.length));
        assertEquals(0x62A8AB43, Crc32c.of(ones, 0, ones.length));
        byte[] padded = "xx123456789yy".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, Crc32c.of(padded, 2, 9), "offset and length select the bytes");

        byte[] random = new byte[1000];
        new Random(7).nextBytes(random);
        assertEquals(bitwiseCrc32c(random, 13, 901), Crc32c.of(random, 13, 901));
        assertEquals(maskedCrc(0xE3069283), Crc32c.masked(0xE3069283));
    }

    private record Scalar(double wallTime, long step, String tag, float value) {}

    private static Scalar scalar(byte[] event) throws IOException {
        Map<Integer, List<Object>> fields = fields(event);
        Map<Integer, List<Object>> summary = fields((byte[]) fields.get(5).get(0));
        assertEquals(1, summary.get(1).size(), "one value per scalar event");
        Map<Integer, List<Object>> value = fields((byte[]) summary.get(1).get(0));
        return new Scalar(
                Double.longBitsToDouble((Long) fields.get(1).get(0)),
                (Long) fields.get(2).get(0),
                new String((byte[]) value.get(1).get(0), StandardCharsets.UTF_8),
                Float.intBitsToFloat((Integer) value.get(2).get(0)));
    }

    /** TFRecord framing: u64 length, masked CRC of the length, data, masked CRC of the data, all little-endian. */
    private static List<byte[]> records(byte[] file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < 12) {
                throw new IOException("truncated record header");
            }
            int lengthStart = in.position();
            long length = in.getLong();
            if (in.getInt() != maskedCrc(bitwiseCrc32c(file, lengthStart, 8))) {
                throw new IOException("length checksum mismatch in record " + records.size());
            }
            if (length < 0 || length > in.remaining() - 4) {
                throw new IOException("truncated record data");
            }
            byte[] data = new byte[(int) length];
            in.get(data);
            if (in.getInt() != maskedCrc(bitwiseCrc32c(data, 0, data.length))) {
                throw new IOException("data checksum mismatch in record " + records.size());
            }
            records.add(data);
        }
        return records;
    }

    /**
     * Protobuf wire format to field number -> values in order: varints and fixed64 as Long, fixed32 as Integer,
     * length-delimited as byte[].
     */
    private static Map<Integer, List<Object>> fields(byte[] message) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        Map<Integer, List<Object>> fields = new HashMap<>();
        while (in.hasRemaining()) {
            long key = varint(in);
            Object value = switch ((int) (key & 7)) {
                case 0 -> varint(in);
                case 1 -> in.getLong();
                case 2 -> {
                    byte[] bytes = new byte[(int) varint(in)];
                    in.get(bytes);
                    yield bytes;
                }
                case 5 -> in.getInt();
                default -> throw new IOException("unexpected wire type " + (key & 7));
            };
            fields.computeIfAbsent((int) (key >>> 3), k -> new ArrayList<>()).add(value);
        }
        return fields;
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
    }

    /** Bit-at-a-time CRC-32C, reflected Castagnoli polynomial, as the RFC 3720 definition reads. */
    private static int bitwiseCrc32c(byte[] data, int offset, int length) {
        int crc = ~0;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    private static int maskedCrc(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }
}
