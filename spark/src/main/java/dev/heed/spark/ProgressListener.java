package dev.heed.spark;

import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The driver's progress line, one per finished task: images finished of all, rate and ETA. A task that is retried
 * (its executor lost) counts once, when an attempt succeeds.
 */
final class ProgressListener extends SparkListener {
    private final List<Chunk> chunks;
    private final PrintWriter err;
    private final int total;
    private final long start = System.nanoTime();
    private final Set<Integer> finished = new HashSet<>();
    private int images;

    ProgressListener(List<Chunk> chunks, PrintWriter err) {
        this.chunks = chunks;
        this.err = err;
        this.total = chunks.stream().mapToInt(c -> c.files().size()).sum();
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        int index = end.taskInfo().index();
        if (!end.taskInfo().successful() || index >= chunks.size() || !finished.add(index)) {
            if (!end.taskInfo().successful()) {
                err.println("heed spark: task of batch " + (index + 1) + " failed on executor " + end.taskInfo().executorId()
                        + "; Spark retries it");
            }
            return;
        }
        images += chunks.get(index).files().size();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = images / Math.max(seconds, 1e-9);
        double eta = rate > 0 ? (total - images) / rate : 0;
        err.printf(Locale.ROOT, "heed spark: progress: %d/%d images, %d/%d tasks, %.1f img/s, ETA %s%n", images, total, finished.size(),
                chunks.size(), rate, clock(eta));
        err.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
