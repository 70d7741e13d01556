package dev.heed.toolkit.cli;

import java.io.PrintWriter;

/** Progress with rate and ETA: a redrawn bar on a terminal, one plain line per step otherwise (logs, CI). */
final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private final int total;
    private final String noun;
    private final String rate;
    private final long start = System.nanoTime();
    private int done;

    /** Progress in images. */
    Progress(PrintWriter err, boolean terminal, int total) {
        this(err, terminal, total, "images", "img/s");
    }

    /** Progress in {@code noun} (plural), at {@code rate} ("inputs/s"). */
    Progress(PrintWriter err, boolean terminal, int total, String noun, String rate) {
        this.err = err;
        this.terminal = terminal;
        this.total = total;
        this.noun = noun;
        this.rate = rate;
    }

    void advance(int count) {
        done += count;
        double seconds = (System.nanoTime() - start) / 1e9;
        double perSecond = done / Math.max(seconds, 1e-9);
        double eta = perSecond > 0 ? (total - done) / perSecond : 0;
        if (terminal) {
            int width = 30;
            int filled = total == 0 ? width : (int) Math.round(width * (double) done / total);
            err.printf("\r[%s%s] %d/%d  %.1f %s  ETA %s ", "#".repeat(filled), ".".repeat(width - filled), done, total, perSecond, this.rate,
                    clock(eta));
            if (done >= total) {
                err.println();
            }
        } else {
            err.printf("progress: %d/%d %s, %.1f %s, ETA %s%n", done, total, noun, perSecond, rate, clock(eta));
        }
        err.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
