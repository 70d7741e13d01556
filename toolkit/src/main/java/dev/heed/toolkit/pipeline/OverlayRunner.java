package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One overlay job's model, backend and stages, opened once, then fed chunks of image files end to end (load, explain,
 * render, write). {@code heed overlay} runs every chunk of a folder through one runner; a Spark executor keeps one per
 * JVM and runs the chunks its tasks are given. Opening checks everything that concerns the whole job (model, backend,
 * method settings, target class) and fails with one line before any image is read.
 */
public final class OverlayRunner implements AutoCloseable {
    /** What one chunk gave: images whose index was written, maps written, its failures and the time of its stages. */
    public record ChunkResult(int done, int maps, List<Failure> failures, double explainSeconds, double renderSeconds) {
    }

    private final OverlayOptions o;
    private final BatchJob job;
    private final ModelSource source;
    private final Backend backend;
    private final ModelPassEngine modelPass;
    private final OutputWriter writer;
    private final Map<String, Object> settings;
    private final Explainer explainer;
    private final Renderer renderer;
    private final MapExport export;

    /**
     * Opens the model, backend and engine of {@code options} and creates its method; image failures go to {@code job},
     * the backend's choice to {@code backendLog} and the engine's to {@code engineLog}. Outputs are written to
     * {@code options.output()}.
     */
    public OverlayRunner(OverlayOptions options, BatchJob job, Consumer<String> backendLog, Consumer<String> engineLog) throws JobFailure {
        this.o = options;
        this.job = job;
        this.writer = new OutputWriter(options.output(), options.method().id());
        ModelSource openedSource = BatchJob.openModel(o.model(), o.modelOptions());
        Backend openedBackend = null;
        ModelPassEngine openedPass = null;
        try {
            openedBackend = BatchJob.openBackend(o.backend(), o.threads(), backendLog);
            openedPass = BatchJob.openEngine(openedSource, o.backend(), openedBackend, o.precision(), engineLog);
            ModelAdapter model = openedPass.model();
            if (o.target() instanceof Target.ClassIndex c && c.index() >= model.numClasses()) {
                throw new JobFailure(o.model() + ": unknown class " + c.index() + "; the model has " + model.numClasses()
                        + " classes (0.." + (model.numClasses() - 1) + ")", null);
            }
            SaliencyMethod method;
            try {
                method = o.method().create(model, openedBackend, o.settings());
            } catch (IllegalArgumentException e) {
                throw new JobFailure(o.method().id() + ": " + e.getMessage(), e);
            }
            this.settings = settingsOf(openedSource, method);
            this.explainer = new Explainer(method, openedSource.card(), o.target(), o.seed());
            MapExport.Run run = new MapExport.Run(openedSource, model, method, o.method().paper(), o.model().toString(), o.target(),
                    o.resize(), o.alpha(), openedBackend.id(), openedPass.engine(), o.seed(), explainer, settings, o.trust(),
                    o.requirements());
            this.renderer = new Renderer(openedBackend, o.normalization(), o.colormap(), o.alpha(), o.minDisplaySide());
            this.export = new MapExport(run, writer, job);
        } catch (JobFailure | RuntimeException e) {
            closeQuietly(openedPass, openedBackend, openedSource);
            throw e;
        }
        this.source = openedSource;
        this.backend = openedBackend;
        this.modelPass = openedPass;
    }

    /**
     * What a finished image's outputs depend on; a rerun with other settings redoes the image instead of skipping it.
     * All values are strings so that the copy read back from JSON compares equal.
     */
    public Map<String, Object> settings() {
        return settings;
    }

    public OutputWriter writer() {
        return writer;
    }

    /** The backend that draws the maps ({@code cpu}, {@code cuda}). */
    public String backendId() {
        return backend.id();
    }

    /** Runs {@code chunk} end to end as batch number {@code batchNumber} (which names its montage). */
    public synchronized ChunkResult process(List<Path> chunk, int batchNumber) {
        int failedBefore = job.failures().size();
        List<ImageInput> loaded = new ArrayList<>();
        for (Path f : chunk) {
            try {
                loaded.add(ImageInput.load(f, source.card(), o.resize()));
            } catch (IOException | IllegalArgumentException e) {
                job.fail(f, e.getMessage());
            }
        }
        int done = 0;
        int maps = 0;
        double explainSeconds = 0;
        double renderSeconds = 0;
        if (!loaded.isEmpty()) {
            long t0 = System.nanoTime();
            Explainer.Result explained = explainer.explain(loaded);
            job.failAll(explained.failures());
            explainSeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            MapExport.Counts counts = write(explained, batchNumber);
            renderSeconds = (System.nanoTime() - t1) / 1e9;
            done = counts.images();
            maps = counts.maps();
        }
        List<Failure> all = job.failures();
        return new ChunkResult(done, maps, all.subList(failedBefore, all.size()), explainSeconds, renderSeconds);
    }

    private MapExport.Counts write(Explainer.Result explained, int batchNumber) {
        List<Renderer.Rendered> rendered;
        try {
            rendered = renderer.render(explained.inputs(), explained.maps());
        } catch (RuntimeException e) {
            Set<Integer> reported = new HashSet<>();
            for (Heatmap m : explained.maps()) {
                Path file = explained.inputs().get(m.imageIndex()).file();
                if (reported.add(m.imageIndex())) {
                    job.fail(file, file + ": cannot draw the overlays of batch " + batchNumber + " (" + e.getMessage() + ")");
                }
            }
            return new MapExport.Counts(0, 0);
        }
        return export.export(rendered, explained.inputs(), batchNumber);
    }

    private Map<String, Object> settingsOf(ModelSource source, SaliencyMethod method) {
        return OrderedMap.of("model", source.fingerprint(), "method", method.id(), "parameters", String.valueOf(OrderedMap.sorted(method.parameters())),
                "layer", method.layer(), "target", o.target().describe(), "resize", o.resize().id(),
                "normalization", o.normalization() == null ? "auto" : o.normalization().describe(),
                "colormap", o.colormap() == null ? "auto" : o.colormap().id(), "alpha", String.valueOf(o.alpha()),
                "seed", String.valueOf(o.seed()), "minDisplaySide", String.valueOf(o.minDisplaySide()),
                "trust", String.valueOf(o.trust() || !o.requirements().isEmpty()), "required", String.valueOf(o.requirements()));
    }

    @Override
    public void close() {
        closeQuietly(modelPass, backend, source);
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                // closing frees native memory; a failure there cannot change any output already written
            }
        }
    }
}
