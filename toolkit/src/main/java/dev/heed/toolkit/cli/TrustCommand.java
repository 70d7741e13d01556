package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.ImageInput;
import dev.heed.toolkit.trust.TrustAudit;
import dev.heed.toolkit.trust.TrustPage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code heed trust}: sanity checks and faithfulness metrics for one method on images. Every path is checked before
 * the model is run, so that a mistake costs a second, not the audit.
 */
@Command(name = "trust", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Audit a saliency method on a model and images: model-parameter randomisation (cascading and "
                + "independent), the random-logit test, deletion and insertion AUC, ROAD, average drop and increase in "
                + "confidence, and Integrated Gradients' completeness, each with a pass/fail verdict where the check has one. "
                + "Writes trust.<method>.json and an offline trust.<method>.html. The same command and seed give the same "
                + "figures. --backend says where the maps and the model passes run (cuda: Heed's CUDA kernels and engine; auto: "
                + "cuda when a device answers).",
                "Exit code: 0 written, 1 written but some images could not be read (each named on stderr), 2 the audit could not run."},
        footer = {"%nExamples:",
                "  heed trust --model toolkit/models/fashion-cnn.zip --method gradcam \\",
                "      --input toolkit/samples/fashion-mnist --output trust/",
                "  heed trust --model toolkit/models/fashion-cnn.zip \\",
                "      --method integrated-gradients \\",
                "      --input toolkit/samples/fashion-mnist/0001-pullover.png --output trust/",
                "  heed trust --model toolkit/models/fashion-cnn.zip --method smoothgrad \\",
                "      --samples 16 --seed 7 \\",
                "      --input toolkit/samples/fashion-mnist --output trust/"})
public final class TrustCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin modelOptions;

    @Option(names = "--method", required = true, description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = OverlayCommand.MethodIds.class)
    String method;

    @Mixin
    InputsMixin input;

    @Mixin
    OutputMixin output;

    @Option(names = "--images", description = "at most this many images, in name order (default: ${DEFAULT-VALUE})")
    int images = 12;

    @Option(names = "--steps", description = "deletion/insertion steps (default: ${DEFAULT-VALUE})")
    int steps = 16;

    @Option(names = "--baseline", description = "value that deleted pixels take, after pixel scaling (default: ${DEFAULT-VALUE})")
    double baseline = 0;

    @Option(names = "--seed", description = "seed of every random draw: the re-drawn weights, the random logit, ROAD's noise and noisy methods (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--samples", description = "SmoothGrad samples (default: ${DEFAULT-VALUE})")
    int samples = 8;

    @Mixin
    BackendMixin backend;

    @Option(names = "--ig-steps", description = "Integrated Gradients steps (default: ${DEFAULT-VALUE})")
    int igSteps = 16;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return audit(spec.commandLine().getOut(), err);
        } catch (JobFailure e) {
            err.println("heed trust: " + e.getMessage());
            err.flush();
            return BatchJob.EXIT_JOB_FAILED;
        }
    }

    private int audit(PrintWriter out, PrintWriter err) throws JobFailure {
        MethodCatalogue catalogue;
        ModelOptions settingsOfModel;
        try {
            catalogue = MethodCatalogue.fromId(method);
            settingsOfModel = modelOptions.options();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (images < 1 || steps < 1 || samples < 1 || igSteps < 1) {
            throw new ParameterException(spec.commandLine(), "--images, --steps, --samples and --ig-steps must be >= 1");
        }
        // Every path first: the audit takes minutes and should not fail at the end for a typo.
        BatchJob job = new BatchJob(err);
        List<String> notes = new ArrayList<>();
        List<Path> files = job.inputFiles(input.inputs, notes::add);
        Path json = output.output.resolve("trust." + catalogue.id() + ".json");
        Path html = output.output.resolve("trust." + catalogue.id() + ".html");
        BatchJob.prepareOutput(output.output, input.inputs);
        for (Path report : List.of(json, html)) {
            if (Files.isDirectory(report)) {
                throw new JobFailure(report + ": is a folder; the report cannot be written there", null);
            }
        }
        Path model = modelOptions.model;
        List<String> choices = new ArrayList<>();
        try (ModelSource source = BatchJob.openModel(model, settingsOfModel);
             Backend ops = backend.open(Runtime.getRuntime().availableProcessors(), choices::add);
             // the model passes follow the map backend, as in heed overlay (an unsupported layer: error with cuda, fallback with auto)
             ModelPassEngine engine = BatchJob.openEngine(source, backend.backend, ops, "fp32", choices::add)) {
            // Notes only once the job can run: a bad model must be the one line the user sees.
            choices.forEach(line -> err.println("heed trust: " + line));
            notes.forEach(note -> err.println("heed trust: warning: " + note));
            ModelCard card = source.card();
            List<ImageInput> prepared = new ArrayList<>();
            for (Path f : files) {
                if (prepared.size() == images) {
                    break;
                }
                prepared.addAll(ImageInput.loadAll(List.of(f), card, ModelInput.Resize.STRETCH, (file, problem) -> job.fail(file, "heed trust: " + problem)));
            }
            if (prepared.isEmpty()) {
                throw new JobFailure(input.inputs.stream().map(Path::toString).collect(Collectors.joining(",")) + ": no readable image", null);
            }
            ExplainRequest request = ExplainRequest.of(ImageInput.stack(prepared.stream().map(ImageInput::values).toList(), card),
                    dev.heed.toolkit.api.Target.top1(), seed);
            MethodCatalogue.Settings settings = MethodCatalogue.Settings.DEFAULTS.withSamples(samples).withSteps(igSteps)
                    .withBaseline(baseline);
            long start = System.nanoTime();
            TrustAudit.Report report = TrustAudit.run(engine.model(), engine.redrawable(), card,
                    m -> catalogue.create(m, ops, settings), request, steps, baseline, seed);
            // "seconds" is the only field that may differ between two runs with the same seed.
            Map<String, Object> document = OrderedMap.of("heedVersion", Version.VERSION, "model", model.toString(),
                    "modelSha256Prefix", source.fingerprint(), "inputs", prepared.stream().map(in -> in.file().getFileName().toString()).toList(),
                    "seed", seed, "backend", ops.id(), "modelPass", engine.engine(),
                    "seconds", (System.nanoTime() - start) / 1e9, "audit", report.summary());
            try {
                Json.write(json, document);
                AtomicFiles.write(html, TrustPage.html("Heed trust audit: " + catalogue.id() + " on " + model.getFileName(), report)
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new JobFailure(output.output + ": cannot write the report (" + e.getMessage() + ")", e);
            }
            out.printf(Locale.ROOT, "%s on %d image(s): deletion AUC %.3f, insertion AUC %.3f, average drop %.1f%%, "
                            + "cascading randomisation Spearman|map| %s, random logit Spearman|map| %.3f -> %s%n",
                    catalogue.id(), prepared.size(), ((Map<?, ?>) report.summary().get("deletion")).get("auc"),
                    ((Map<?, ?>) report.summary().get("insertion")).get("auc"), report.summary().get("averageDropPercent"),
                    report.cascading().stream().map(s -> String.format(Locale.ROOT, "%s %.2f", s.layer(), s.spearmanOfMagnitudes())).toList(),
                    ((Map<?, ?>) report.summary().get("randomLogit")).get("spearmanOfMagnitudes"), html);
            out.println("verdicts: " + report.verdicts().stream().map(v -> v.check() + " " + v.outcome().id()).collect(Collectors.joining(", ")));
            out.flush();
            return job.exitCode();
        }
    }
}
