package dev.heed.toolkit.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Keeps the libraries' own chatter off the console unless the user asks for it with {@code --verbose}.
 *
 * <p>DL4J and ND4J log through SLF4J, which {@code simplelogger.properties} holds at {@code warn}; {@code --verbose}
 * lowers that to {@code info}. SameDiff 1.0.0-M2.1 also prints one {@code Added differentiated op …} line per op
 * straight to {@code System.out} whenever it builds a gradient graph (533 of the 571 lines of {@code heed demo
 * attention}), so those lines are dropped from standard output by a line filter. Only whole lines that start with a
 * known library prefix are dropped; everything else, Heed's own output included, passes unchanged.
 */
public final class LibraryChatter {
    /** Line starts that libraries print to standard output without a logger. */
    static final List<String> STDOUT_PREFIXES = List.of("Added differentiated op ");

    private LibraryChatter() {
    }

    /** Whether the command line asks for the libraries' output ({@code --verbose} anywhere before a {@code --}). */
    public static boolean verboseRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sets the process's console up for a Heed command: quiet libraries, or, when verbose, their info-level logging.
     * Must run before the first SLF4J logger is created, i.e. first thing in {@code main}.
     */
    public static void configure(boolean verbose) {
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            System.setProperty("org.slf4j.simpleLogger.log.org.nd4j.imports.converters.ImportClassMapping", "info");
            return;
        }
        System.setOut(new PrintStream(new DroppingLines(System.out, STDOUT_PREFIXES), true, StandardCharsets.UTF_8));
    }

    /** An output stream that passes whole lines on, except those starting with one of the given prefixes. */
    static final class DroppingLines extends OutputStream {
        private final OutputStream target;
        private final byte[][] prefixes;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        /** Bytes of the current line already passed on by a flush (the line cannot be chatter any more). */
        private boolean linePassed;

        DroppingLines(OutputStream target, List<String> prefixes) {
            this.target = target;
            this.prefixes = prefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (linePassed) {
                target.write(b);
                if (b == '\n') {
                    linePassed = false;
                }
                return;
            }
            line.write(b);
            if (b == '\n') {
                if (!isChatter()) {
                    line.writeTo(target);
                }
                line.reset();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        /**
         * Passes on a partial line (a prompt, a progress line) unless it may still become chatter, so that output
         * without a line end is not held back.
         */
        @Override
        public synchronized void flush() throws IOException {
            if (!linePassed && line.size() > 0 && !mayBecomeChatter()) {
                line.writeTo(target);
                line.reset();
                linePassed = true;
            }
            target.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            flush();
            if (!linePassed && line.size() > 0 && !isChatter()) {
                line.writeTo(target);
                line.reset();
            }
            target.close();
        }

        private boolean isChatter() {
            byte[] bytes = line.toByteArray();
            for (byte[] p : prefixes) {
                if (startsWith(bytes, p, p.length)) {
                    return true;
                }
            }
            return false;
        }

        private boolean mayBecomeChatter() {
            byte[] bytes = line.toByteArray();
            for (byte[] p : prefixes) {
                if (startsWith(bytes, p, Math.min(p.length, bytes.length))) {
                    return true;
                }
            }
            return false;
        }

        private static boolean startsWith(byte[] bytes, byte[] prefix, int n) {
            if (bytes.length < n) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (bytes[i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
