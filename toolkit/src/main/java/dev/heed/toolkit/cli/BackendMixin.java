package dev.heed.toolkit.cli;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** {@code --backend}, as {@code heed overlay}, {@code heed attention}, {@code heed trust} and {@code heed view} take it. */
public final class BackendMixin {
    @Option(names = "--backend", description = "cpu | cuda | auto; cuda:N or auto:N picks CUDA device N (default: ${DEFAULT-VALUE})")
    public String backend = "auto";

    /** The chosen backend with {@code threads} CPU threads; its choice goes to {@code log}, an unknown or absent one ends the job. */
    public Backend open(int threads, Consumer<String> log) throws JobFailure {
        return BatchJob.openBackend(backend, threads, log);
    }
}
