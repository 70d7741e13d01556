package dev.heed.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What a task reports to the driver: images finished, images skipped because a previous run finished them with the
 * same settings, maps written, the failures, and the
 * time of its stages.
 */
record ChunkOutcome(int batch, int done, int skipped, int maps, List<FailedInput> failures, double explainSeconds, double renderSeconds)
        implements Serializable {

    /** One failed input: the file as the user named it, and the one line naming it. */
    record FailedInput(String file, String message) implements Serializable {
    }
}
