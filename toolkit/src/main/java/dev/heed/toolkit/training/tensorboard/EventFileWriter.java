package dev.heed.toolkit.training.tensorboard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * Writes one TensorBoard event file, {@code events.out.tfevents.<unix seconds>.<host>.heed}, in a log directory.
 * Each record is an {@code Event} protobuf in TFRecord framing: little-endian uint64 length, masked CRC-32C of those 8
 * bytes, the data, masked CRC-32C of the data. The file is only ever appended to, so a {@code tensorboard --logdir}
 * reading it live never sees earlier bytes change. Methods are synchronized so one writer can be shared across
 * threads.
 */
public final class EventFileWriter implements AutoCloseable {

    private static final String FILE_VERSION = "brain.Event:2";

    // Field numbers from tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto.
    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;
    private static final int SUMMARY_VALUE = 1;
    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;

    private final Path file;
    private final FileChannel channel;
    private final OutputStream out;

    /** Creates {@code logDir} if needed and starts a new event file there, stamped with the system clock. */
    public EventFileWriter(Path logDir) throws IOException {
        this(logDir, Clock.systemUTC());
    }

    /**
     * Creates {@code logDir} if needed and starts a new event file there, named and stamped from {@code clock}.
     *
     * @throws java.nio.file.FileAlreadyExistsException when a writer on this host already started a file in this
     *     directory in the same second; an existing file is never overwritten
     */
    public EventFileWriter(Path logDir, Clock clock) throws IOException {
        Instant now = clock.instant();
        Files.createDirectories(logDir);
        file = logDir.resolve("events.out.tfevents." + now.getEpochSecond() + "." + hostname() + ".heed");
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        out = new BufferedOutputStream(Channels.newOutputStream(channel));
        record(new Protobuf()
                .doubleField(EVENT_WALL_TIME, seconds(now))
                .stringField(EVENT_FILE_VERSION, FILE_VERSION));
    }

    /** The event file being written. */
    public Path file() {
        return file;
    }

    /** Appends one scalar point; NaN and infinities are kept, since TensorBoard plots them as such. */
    public synchronized void scalar(String tag, long step, double wallTimeSeconds, float value) throws IOException {
        Protobuf summaryValue = new Protobuf().stringField(VALUE_TAG, tag).floatField(VALUE_SIMPLE_VALUE, value);
        record(new Protobuf()
                .doubleField(EVENT_WALL_TIME, wallTimeSeconds)
                .int64Field(EVENT_STEP, step)
                .messageField(EVENT_SUMMARY, new Protobuf().messageField(SUMMARY_VALUE, summaryValue)));
    }

    /** Pushes buffered records to the disk itself, so a live TensorBoard sees them and a crash keeps them. */
    public synchronized void flush() throws IOException {
        out.flush();
        channel.force(false);
    }

    /** Flushes and closes the file; closing again does nothing. */
    @Override
    public synchronized void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            flush();
        } finally {
            out.close();
        }
    }

    private void record(Protobuf event) throws IOException {
        // Buffered writes after close would otherwise vanish silently.
        if (!channel.isOpen()) {
            throw new IOException(file + ": event file writer is closed");
        }
        byte[] data = event.toByteArray();
        ByteBuffer header = ByteBuffer.allocate(Long.BYTES + Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(Crc32c.masked(Crc32c.of(header.array(), 0, Long.BYTES)));
        ByteBuffer footer = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(Crc32c.masked(Crc32c.of(data, 0, data.length)));
        out.write(header.array());
        out.write(data);
        out.write(footer.array());
    }

    private static double seconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    /** The host name reduced to characters safe in a file name on every platform. */
    private static String hostname() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }
}
