package dev.heed.toolkit.cli;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextAttention;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.TextEncoder;
import dev.heed.toolkit.attention.text.WordPiece;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.engine.source.TransformerEngine;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.ImageInput;
import dev.heed.toolkit.pipeline.attention.AttentionInput;
import dev.heed.toolkit.pipeline.attention.AttentionModels;
import dev.heed.toolkit.pipeline.attention.InputReport;
import dev.heed.toolkit.pipeline.attention.TextAttentionExport;
import dev.heed.toolkit.pipeline.attention.TextInputs;
import dev.heed.toolkit.pipeline.attention.VitAttentionExport;
import dev.heed.toolkit.render.Colormap;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs {@code heed attention} on the pipeline's classes: {@link BatchJob}'s folder rule, failures and exit codes, and
 * the attention stages of {@code pipeline.attention}. Each input gets its own folder; its provenance.json is written
 * last and records the settings, so a rerun skips inputs already done with the same settings and redoes the rest. A
 * bad input is named on stderr and in the summary, and the others carry on.
 */
final class AttentionJob {
    record Options(String model, boolean vision, List<String> texts, String second, Path inputFile, String compare,
                   String token, int maxTokens, List<Path> images, int targetClass, Path output, HeadFusion fusion,
                   float discardRatio, Colormap colormap, double alpha, int batchSize, String backend, int threads,
                   String cpuEngine, boolean force) { }

    /** One batch of inputs through the model and out to files. */
    private interface Batch {
        void run(List<AttentionInput> chunk) throws IOException;
    }

    /** One input's files. */
    private interface Writer {
        void write(AttentionInput item) throws IOException;
    }

    private final Options o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BatchJob job;
    private final InputReport report = new InputReport();

    AttentionJob(Options options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
        this.job = new BatchJob(err);
    }

    int run() {
        Path summary = o.output().resolve("summary.attention.json");
        try {
            try {
                if (o.vision()) {
                    runImages();
                } else {
                    runText();
                }
            } catch (IOException | RuntimeException e) {
                throw new JobFailure(e.getMessage() == null ? e.toString() : e.getMessage(), e);
            }
            try {
                Json.write(summary, report.toJson(o.model()));
            } catch (IOException e) {
                throw new JobFailure("cannot write the summary (" + e.getMessage() + ")", e);
            }
        } catch (JobFailure e) {
            // one line: parser messages can run over several, and the first says what is wrong
            err.println("heed attention: " + e.getMessage().lines().findFirst().orElse(""));
            err.flush();
            return BatchJob.EXIT_JOB_FAILED;
        }
        out.printf("%d inputs, %d failed; summary in %s%n", report.size(), report.failed(), summary);
        out.flush();
        err.flush();
        return job.exitCode();
    }

    private void runText() throws IOException, JobFailure {
        BatchJob.prepareOutput(o.output(), o.inputFile() == null ? List.of() : List.of(o.inputFile()));
        // the model is read before the backend is opened, so a bad model file is the only line printed
        MiniLm model = AttentionModels.text(o.model(), o.maxTokens());
        // the maps' backend first: the passes run where the maps do (Heed's CUDA engine beside the CUDA backend)
        try (Backend backend = BatchJob.openBackend(o.backend(), o.threads(), err::println);
             TransformerEngine<TextEncoder> engine = TransformerEngine.text(model, backend.id(), o.backend(), o.cpuEngine(), err::println)) {
            WordPiece vocabulary = WordPiece.bundled();
            List<AttentionInput> items = TextInputs.read(o.texts(), o.second(), o.inputFile(), this::fail);
            TextAttentionExport export = new TextAttentionExport(o.output(), model,
                    new TextAttentionExport.Settings(o.maxTokens(), o.compare(), o.token(), o.fusion(), o.discardRatio(), o.colormap()),
                    engine.engine(), this::warn);
            INDArray compareEmbedding = o.compare() == null ? null : engine.model().capture(TextBatch.encode(vocabulary,
                    List.of(new TextBatch.Input(o.compare(), null, "--compare")), o.maxTokens(), this::warn)).sentenceEmbeddings();
            List<AttentionInput> todo = BatchJob.unfinished(items, TextInputs.encodable(vocabulary, o.maxTokens(), this::fail, this::warn),
                    export::provenanceFile, export.settings(), o.force(), report::skipped);
            inBatches(todo, "inputs", chunk -> {
                TextBatch batch = TextBatch.encode(vocabulary, chunk.stream().map(AttentionInput::text).toList(), o.maxTokens(), w -> { });
                INDArray compare = compareEmbedding == null ? null : compareEmbedding.repeat(0, chunk.size());
                List<TextAttention.Sentence> sentences = TextAttention.explain(engine.model(), backend, batch, compare, o.fusion(), o.discardRatio());
                for (int i = 0; i < chunk.size(); i++) {
                    TextAttention.Sentence sentence = sentences.get(i);
                    write(chunk.get(i), item -> export.write(item, sentence));
                }
            });
        }
    }

    private void runImages() throws IOException, JobFailure {
        // Inputs first: a misspelt path is a bad option, found before any folder is made or model loaded.
        List<String> notes = new ArrayList<>();
        List<Path> files = job.inputFiles(o.images(), notes::add);
        BatchJob.prepareOutput(o.output(), o.images());
        VisionTransformer vit = AttentionModels.vit(o.model());
        if (o.targetClass() >= vit.card().classNames().size()) {
            throw new IllegalArgumentException("--target class:" + o.targetClass() + " is outside the model's "
                    + vit.card().classNames().size() + " classes");
        }
        // notes only once the job can run: a bad model must be the one line the user sees
        notes.forEach(this::warn);
        job.failures().forEach(f -> report.failed(f.file().toString(), f.file().toString(), f.message()));
        try (Backend backend = BatchJob.openBackend(o.backend(), o.threads(), err::println);
             TransformerEngine<VitModel> engine = TransformerEngine.vit(vit, backend.id(), o.backend(), o.cpuEngine(), err::println)) {
            VitAttentionExport export = new VitAttentionExport(o.output(), o.model(), vit, backend,
                    new VitAttentionExport.Settings(o.targetClass(), o.fusion(), o.discardRatio(), o.colormap(), o.alpha()), engine.engine());
            List<AttentionInput> items = files.stream().map(f -> AttentionInput.image(f, ImageInput.stemOf(f))).toList();
            List<AttentionInput> todo = BatchJob.unfinished(items, item -> true, export::provenanceFile, export.settings(), o.force(), report::skipped);
            inBatches(todo, "images", chunk -> {
                List<ImageInput> loaded = ImageInput.loadAll(chunk.stream().map(AttentionInput::file).toList(), vit.card(),
                        ModelInput.Resize.STRETCH, (file, message) -> fail(AttentionInput.image(file, ImageInput.stemOf(file)), message));
                if (loaded.isEmpty()) {
                    return;
                }
                int[] targets = new int[loaded.size()];
                Arrays.fill(targets, o.targetClass());
                VitAttention.Result result = VitAttention.explain(engine.model(), backend, ImageInput.stack(loaded.stream().map(ImageInput::values).toList(),
                        vit.card()), targets, new VitAttention.Settings(o.fusion(), o.discardRatio()));
                for (int i = 0; i < loaded.size(); i++) {
                    ImageInput image = loaded.get(i);
                    AttentionInput item = AttentionInput.image(image.file(), image.stem());
                    item.warnings().addAll(image.image().conversions());
                    int index = i;
                    write(item, done -> export.write(done, index, image.values(), result));
                }
            });
        }
    }

    private void inBatches(List<AttentionInput> pending, String noun, Batch batch) throws IOException {
        Progress progress = new Progress(err, System.console() != null, pending.size(), noun, noun + "/s");
        for (int from = 0; from < pending.size(); from += o.batchSize()) {
            List<AttentionInput> chunk = pending.subList(from, Math.min(pending.size(), from + o.batchSize()));
            batch.run(chunk);
            progress.advance(chunk.size());
        }
    }

    /** One input's files; a failure fails that input only. */
    private void write(AttentionInput item, Writer writer) {
        try {
            writer.write(item);
            report.done(item);
        } catch (IOException | RuntimeException e) {
            fail(item, item.source() + ": " + e.getMessage());
        }
    }

    private void fail(AttentionInput item, String message) {
        job.fail(item.file(), message);
        report.failed(item.name(), item.source(), message);
    }

    private void warn(String warning) {
        err.println("heed attention: warning: " + warning);
    }
}
