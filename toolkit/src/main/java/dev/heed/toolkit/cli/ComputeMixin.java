package dev.heed.toolkit.cli;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --backend} with {@code --threads} for the CPU backend, for the batch commands that choose both. */
public final class ComputeMixin {
    @Mixin
    public BackendMixin choice;

    @Option(names = "--threads", description = "threads of the CPU backend (default: all cores)")
    public int threads = Runtime.getRuntime().availableProcessors();

    public String backend() {
        return choice.backend;
    }

    /** A bad value is an IllegalArgumentException naming the option. */
    public int threads() {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return threads;
    }

    public Backend open(Consumer<String> log) throws JobFailure {
        return choice.open(threads(), log);
    }
}
