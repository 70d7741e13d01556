package dev.heed.toolkit.cli;

import java.io.PrintWriter;

/** Progress with rate and ETA: a redrawn bar on a terminal, one plain line per step otherwise (logs, CI). */
final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private final int total;
    private final long start = System.nanoTime();
    private int done;

    Progress(PrintWriter err, boolean terminal, int total) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
    }

    void advance(int images) {
        done += images;
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : 0;
        if (terminal) {
            int width = 30;
            int filled = total == 0 ? width : (int) Math.round(width * (double) done / total);
            err.printf("\r[%s%s] %d/%d  %.1f img/s  ETA %s ", "#".repeat(filled), ".".repeat(width - filled), done, total, rate, clock(eta));
            if (done >= total) {
                err.println();
            }
        } else {
            err.printf("progress: %d/%d images, %.1f img/s, ETA %s%n", done, total, rate, clock(eta));
        }
        err.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
