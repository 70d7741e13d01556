package dev.heed.toolkit.cli;

import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.ImageInput;
import dev.heed.toolkit.pipeline.JobSummary;
import dev.heed.toolkit.pipeline.OutputWriter;
import dev.heed.toolkit.pipeline.OverlayOptions;
import dev.heed.toolkit.pipeline.OverlayRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code heed overlay}: the pipeline's stages ({@link OverlayRunner}: explain, render, write) over batches of files,
 * with the batch-job rules (output folder, resume by settings, failures) of {@link BatchJob}. Every failure that
 * concerns one input is one line naming the file; the batch carries on and the summary lists it. Failures that concern
 * the whole job (model, output folder, backend, method settings) stop it before any work with one line.
 */
final class OverlayJob {
    private final OverlayOptions o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BatchJob job;
    private int done;
    private int mapsWritten;
    private double explainSeconds;
    private double renderSeconds;

    OverlayJob(OverlayOptions options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
        this.job = new BatchJob(err);
    }

    int run() {
        try {
            return runOrFail();
        } catch (JobFailure e) {
            err.println("heed overlay: " + e.getMessage());
            err.flush();
            return BatchJob.EXIT_JOB_FAILED;
        }
    }

    private int runOrFail() throws JobFailure {
        long start = System.nanoTime();
        // Inputs first: a misspelt path is a bad option, found before any folder is made or model loaded.
        List<Path> files = job.inputFiles(o.inputs(), note -> err.println("heed overlay: warning: " + note));
        BatchJob.prepareOutput(o.output(), o.inputs());
        int skipped;
        String method = o.method().id();
        try (OverlayRunner runner = new OverlayRunner(o, job, err::println, line -> err.println("heed overlay: " + line))) {
            BatchJob.Resume resume = BatchJob.resume(files, f -> runner.writer().indexFile(ImageInput.stemOf(f)), runner.settings(), o.force(),
                    BatchJob::readSettings);
            skipped = resume.skipped();
            if (resume.skipped() > 0) {
                err.println("heed overlay: skipping " + resume.skipped() + " image(s) with finished outputs (use --force to redo them)");
            }
            if (resume.stale() > 0) {
                err.println("heed overlay: redoing " + resume.stale() + " image(s) whose outputs were made with other settings");
            }
            Progress progress = new Progress(err, o.terminal(), resume.todo().size());
            for (int from = 0, batch = 1; from < resume.todo().size(); from += o.batchSize(), batch++) {
                List<Path> chunk = resume.todo().subList(from, Math.min(resume.todo().size(), from + o.batchSize()));
                OverlayRunner.ChunkResult result = runner.process(chunk, batch);
                done += result.done();
                mapsWritten += result.maps();
                explainSeconds += result.explainSeconds();
                renderSeconds += result.renderSeconds();
                progress.advance(chunk.size());
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        try {
            new OutputWriter(o.output(), method).writeSummary(new JobSummary(method, o.model().toString(),
                    o.target().describe(), o.backend(), o.batchSize(), files.size(), done, skipped, mapsWritten, total, explainSeconds,
                    renderSeconds, job.failures()));
        } catch (IOException e) {
            err.println(o.output() + ": cannot write the summary (" + e.getMessage() + ")");
        }
        out.printf(Locale.ROOT, "%s: %d image(s) done, %d skipped, %d failed; %d map(s) in %s (%.1f s)%n", method,
                done, skipped, job.failures().size(), mapsWritten, o.output(), total);
        job.failures().forEach(f -> out.println("  failed: " + f.message()));
        out.flush();
        return job.exitCode();
    }
}
