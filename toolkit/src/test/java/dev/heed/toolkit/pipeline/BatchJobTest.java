package dev.heed.toolkit.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.OrderedMap;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules every batch command shares, alone: the output folder, input files, resume by settings. */
class BatchJobTest {
    @TempDir
    Path tmp;

    @Test
    void theOutputFolderIsNeverAnInputFolderNorAFileAndIsCreated() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        BatchJob.JobFailure same = assertThrows(BatchJob.JobFailure.class, () -> BatchJob.prepareOutput(inputs, List.of(inputs)));
        assertTrue(same.getMessage().startsWith(inputs + ": the output folder must not be an input folder"), same.getMessage());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertEquals(file + ": exists and is not a folder",
                assertThrows(BatchJob.JobFailure.class, () -> BatchJob.prepareOutput(file, List.of(inputs))).getMessage());
        BatchJob.JobFailure below = assertThrows(BatchJob.JobFailure.class, () -> BatchJob.prepareOutput(file.resolve("out"), List.of()));
        assertTrue(below.getMessage().startsWith(file.resolve("out") + ": output folder is not writable ("), below.getMessage());
        Path fresh = tmp.resolve("a/b");
        BatchJob.prepareOutput(fresh, List.of(inputs));
        assertTrue(Files.isDirectory(fresh));
        try (var left = Files.list(fresh)) {
            assertEquals(0, left.count(), "the probe file is gone");
        }
    }

    @Test
    void aFileNamedOnItsOwnAndThroughItsFolderIsDoneOnceAndASharedStemFailsTheSecond() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("in"));
        Path boot = Files.write(folder.resolve("boot.png"), new byte[] {1});
        Path other = Files.createDirectories(tmp.resolve("other"));
        Path twin = Files.write(other.resolve("boot.jpg"), new byte[] {1});
        StringWriter err = new StringWriter();
        BatchJob job = new BatchJob(new PrintWriter(err, true));
        List<Path> files = job.inputFiles(List.of(boot.toAbsolutePath(), folder, twin), note -> { });
        assertEquals(List.of(boot.toAbsolutePath()), files);
        assertEquals(1, job.failures().size(), err.toString());
        assertTrue(job.failures().get(0).message().startsWith(twin + ": its outputs would have the same name as those of "), err.toString());
        assertEquals(BatchJob.EXIT_SOME_FAILED, job.exitCode());
    }

    @Test
    void unfinishedSkipsWhatWasDoneWithTheSameSettingsInOrder() throws Exception {
        Map<String, Object> settings = OrderedMap.of("model", "abc", "seed", "1");
        Path done = tmp.resolve("done.json");
        Json.write(done, OrderedMap.of("settings", settings));
        Path stale = tmp.resolve("stale.json");
        Json.write(stale, OrderedMap.of("settings", OrderedMap.of("model", "abc", "seed", "2")));
        Path corrupt = Files.writeString(tmp.resolve("corrupt.json"), "{");
        List<Path> items = List.of(done, tmp.resolve("never.json"), stale, corrupt, tmp.resolve("unusable.json"));
        List<Path> skipped = new ArrayList<>();
        List<Path> todo = BatchJob.unfinished(items, p -> !p.endsWith("unusable.json"), p -> p, settings, false, skipped::add);
        assertEquals(List.of(done), skipped);
        assertEquals(List.of(tmp.resolve("never.json"), stale, corrupt), todo, "a corrupt index counts as other settings");
        skipped.clear();
        assertEquals(4, BatchJob.unfinished(items, p -> !p.endsWith("unusable.json"), p -> p, settings, true, skipped::add).size());
        assertTrue(skipped.isEmpty(), "--force skips nothing");
    }
}
