package dev.heed.toolkit.cli;

import dev.heed.toolkit.pipeline.MapExport;

import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.Explainer;
import dev.heed.toolkit.pipeline.ImageInput;
import dev.heed.toolkit.pipeline.JobSummary;
import dev.heed.toolkit.pipeline.OutputWriter;
import dev.heed.toolkit.pipeline.Renderer;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Normalization;
import dev.heed.toolkit.trust.MapChecks;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code heed overlay}: the pipeline's stages (explain, render, write) over batches of files, with the batch-job rules
 * (output folder, resume by settings, failures) of {@link BatchJob}. Every failure that concerns one input is one line
 * naming the file; the batch carries on and the summary lists it. Failures that concern the whole job (model, output
 * folder, backend, method settings) stop it before any work with one line.
 */
final class OverlayJob {
    /** Everything the job needs, parsed and checked by the command. */
    record Options(Path model, ModelOptions modelOptions, MethodCatalogue method, MethodCatalogue.Settings settings,
                   Target target, List<Path> inputs, Path output, Colormap colormap, double alpha,
                   Normalization normalization, int batchSize, int threads, String backend, long seed, boolean force,
                   ModelInput.Resize resize, int minDisplaySide, boolean terminal, boolean trust,
                   List<MapChecks.Requirement> requirements, String precision) {
    }

    private final Options o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BatchJob job;
    private final OutputWriter writer;
    private int done;
    private int mapsWritten;
    private double explainSeconds;
    private double renderSeconds;

    OverlayJob(Options options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
        this.job = new BatchJob(err);
        this.writer = new OutputWriter(options.output(), options.method().id());
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
        try (ModelSource source = BatchJob.openModel(o.model(), o.modelOptions());
             Backend backend = BatchJob.openBackend(o.backend(), o.threads(), err::println);
             ModelPassEngine modelPass = BatchJob.openEngine(source, o.backend(), backend, o.precision(),
                     line -> err.println("heed overlay: " + line))) {
            ModelAdapter model = modelPass.model();
            if (o.target() instanceof Target.ClassIndex c && c.index() >= model.numClasses()) {
                throw new JobFailure(o.model() + ": unknown class " + c.index() + "; the model has " + model.numClasses()
                        + " classes (0.." + (model.numClasses() - 1) + ")", null);
            }
            SaliencyMethod method;
            try {
                method = o.method().create(model, backend, o.settings());
            } catch (IllegalArgumentException e) {
                throw new JobFailure(o.method().id() + ": " + e.getMessage(), e);
            }
            Map<String, Object> settings = settingsOf(source, method);
            BatchJob.Resume resume = BatchJob.resume(files, f -> writer.indexFile(ImageInput.stemOf(f)), settings, o.force(),
                    BatchJob::readSettings);
            skipped = resume.skipped();
            if (resume.skipped() > 0) {
                err.println("heed overlay: skipping " + resume.skipped() + " image(s) with finished outputs (use --force to redo them)");
            }
            if (resume.stale() > 0) {
                err.println("heed overlay: redoing " + resume.stale() + " image(s) whose outputs were made with other settings");
            }
            Explainer explainer = new Explainer(method, source.card(), o.target(), o.seed());
            MapExport.Run run = new MapExport.Run(source, model, method, o.method().paper(), o.model().toString(), o.target(), o.resize(),
                    o.alpha(), backend.id(), modelPass.engine(), o.seed(), explainer, settings, o.trust(), o.requirements());
            Batch context = new Batch(source.card(), explainer,
                    new Renderer(backend, o.normalization(), o.colormap(), o.alpha(), o.minDisplaySide()), new MapExport(run, writer, job));
            Progress progress = new Progress(err, o.terminal(), resume.todo().size());
            for (int from = 0, batch = 1; from < resume.todo().size(); from += o.batchSize(), batch++) {
                List<Path> chunk = resume.todo().subList(from, Math.min(resume.todo().size(), from + o.batchSize()));
                process(chunk, batch, context);
                progress.advance(chunk.size());
            }
        }
        double total = (System.nanoTime() - start) / 1e9;
        try {
            writer.writeSummary(new JobSummary(o.method().id(), o.model().toString(), o.target().describe(), o.backend(), o.batchSize(),
                    files.size(), done, skipped, mapsWritten, total, explainSeconds, renderSeconds, job.failures()));
        } catch (IOException e) {
            err.println(o.output() + ": cannot write the summary (" + e.getMessage() + ")");
        }
        out.printf(Locale.ROOT, "%s: %d image(s) done, %d skipped, %d failed; %d map(s) in %s (%.1f s)%n", o.method().id(),
                done, skipped, job.failures().size(), mapsWritten, o.output(), total);
        job.failures().forEach(f -> out.println("  failed: " + f.message()));
        out.flush();
        return job.exitCode();
    }

    /** What every batch of one run shares: its three stages. */
    private record Batch(ModelCard card, Explainer explainer, Renderer renderer, MapExport export) {
    }

    /**
     * What a finished image's outputs depend on; a rerun with other settings redoes the image instead of skipping it.
     * All values are strings so that the copy read back from JSON compares equal.
     */
    private Map<String, Object> settingsOf(ModelSource source, SaliencyMethod method) {
        return OrderedMap.of("model", source.fingerprint(), "method", method.id(), "parameters", String.valueOf(OrderedMap.sorted(method.parameters())),
                "layer", method.layer(), "target", o.target().describe(), "resize", o.resize().id(),
                "normalization", o.normalization() == null ? "auto" : o.normalization().describe(),
                "colormap", o.colormap() == null ? "auto" : o.colormap().id(), "alpha", String.valueOf(o.alpha()),
                "seed", String.valueOf(o.seed()), "minDisplaySide", String.valueOf(o.minDisplaySide()),
                "trust", String.valueOf(o.trust() || !o.requirements().isEmpty()), "required", String.valueOf(o.requirements()));
    }

    private void process(List<Path> chunk, int batchNumber, Batch b) {
        List<ImageInput> loaded = ImageInput.loadAll(chunk, b.card(), o.resize(), job::fail);
        if (loaded.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        Explainer.Result explained = b.explainer().explain(loaded);
        job.failAll(explained.failures());
        explainSeconds += (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        write(explained, batchNumber, b);
        renderSeconds += (System.nanoTime() - t1) / 1e9;
    }

    private void write(Explainer.Result explained, int batchNumber, Batch b) {
        List<Renderer.Rendered> rendered;
        try {
            rendered = b.renderer().render(explained.inputs(), explained.maps());
        } catch (RuntimeException e) {
            Set<Integer> reported = new HashSet<>();
            for (Heatmap m : explained.maps()) {
                Path file = explained.inputs().get(m.imageIndex()).file();
                if (reported.add(m.imageIndex())) {
                    job.fail(file, file + ": cannot draw the overlays of batch " + batchNumber + " (" + e.getMessage() + ")");
                }
            }
            return;
        }
        MapExport.Counts counts = b.export().export(rendered, explained.inputs(), batchNumber);
        done += counts.images();
        mapsWritten += counts.maps();
    }
}
