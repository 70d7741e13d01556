package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.engine.source.ModelSources;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.BatchJob;
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
import org.nd4j.linalg.factory.Nd4j;
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
                + "figures.",
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

    @Option(names = "--input", required = true, split = ",", description = "image files and/or folders, comma-separated (a folder gives its .png, .jpg, .jpeg, .bmp and .gif files, not recursive); images are taken in this order")
    List<Path> inputs;

    @Option(names = "--output", required = true, description = "output folder (created if missing)")
    Path output;

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

    @Option(names = "--backend", description = "cpu | cuda | auto: where the maps and the model passes run (cuda: Heed's CUDA kernels and engine; auto: "
            + "cuda when a device answers) (default: ${DEFAULT-VALUE})")
    String backendChoice = "auto";

    @Option(names = "--ig-steps", description = "Integrated Gradients steps (default: ${DEFAULT-VALUE})")
    int igSteps = 16;

    /** Ends the command with one line on stderr and exit code 2. */
    private static final class CannotRun extends Exception {
        CannotRun(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return audit(spec.commandLine().getOut(), err);
        } catch (CannotRun e) {
            err.println("heed trust: " + e.getMessage());
            err.flush();
            return BatchJob.EXIT_JOB_FAILED;
        }
    }

    private int audit(PrintWriter out, PrintWriter err) throws CannotRun {
        MethodCatalogue catalogue;
        try {
            catalogue = MethodCatalogue.fromId(method);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (images < 1 || steps < 1 || samples < 1 || igSteps < 1) {
            throw new ParameterException(spec.commandLine(), "--images, --steps, --samples and --ig-steps must be >= 1");
        }
        // Every path first: the audit takes minutes and should not fail at the end for a typo.
        Path model = modelOptions.model;
        ModelOptions settingsOfModel;
        try {
            settingsOfModel = modelOptions.options();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (Files.isDirectory(model)) {
            throw new CannotRun(model + ": is a folder, not a model file");
        }
        if (!Files.isRegularFile(model)) {
            throw new CannotRun(model + ": no such model file");
        }
        Path json = output.resolve("trust." + catalogue.id() + ".json");
        Path html = output.resolve("trust." + catalogue.id() + ".html");
        prepareOutput(json, html);
        List<String> unusable = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Path> files = BatchJob.imageFiles(inputs, notes::add, (path, problem) -> unusable.add(problem));
        if (!unusable.isEmpty()) {
            // Only the mistakes: a note about skipped files would bury them.
            throw new CannotRun(String.join(System.lineSeparator() + "heed trust: ", unusable));
        }
        // A file named on its own and again through its folder is audited once, where it first appears.
        java.util.Set<Path> seen = new java.util.HashSet<>();
        files = files.stream().filter(f -> seen.add(f.toAbsolutePath().normalize())).toList();
        if (files.isEmpty()) {
            throw new CannotRun(inputs.stream().map(Path::toString).collect(Collectors.joining(",")) + ": no image files");
        }

        List<String> choices = new ArrayList<>();
        try (ModelSource source = open(model, settingsOfModel); Backend backend = openBackend(choices);
             ModelPassEngine engine = chooseModelPass(source, backend, choices)) {
            // Notes only once the job can run: a bad model must be the one line the user sees.
            notes.forEach(note -> err.println("heed trust: warning: " + note));
            ModelCard card = source.card();
            List<float[]> prepared = new ArrayList<>();
            List<String> used = new ArrayList<>();
            int unreadable = 0;
            for (Path f : files) {
                if (prepared.size() == images) {
                    break;
                }
                try {
                    prepared.add(ModelInput.prepare(InputImage.read(f), card, ModelInput.Resize.STRETCH));
                    used.add(f.getFileName().toString());
                } catch (IOException e) {
                    err.println("heed trust: " + e.getMessage());
                    unreadable++;
                }
            }
            if (prepared.isEmpty()) {
                throw new CannotRun(inputs.stream().map(Path::toString).collect(Collectors.joining(",")) + ": no readable image");
            }
            int size = card.channels() * card.height() * card.width();
            float[] batch = new float[prepared.size() * size];
            for (int i = 0; i < prepared.size(); i++) {
                System.arraycopy(prepared.get(i), 0, batch, i * size, size);
            }
            ExplainRequest request = ExplainRequest.of(
                    Nd4j.create(batch, new long[] {prepared.size(), card.channels(), card.height(), card.width()}, 'c'),
                    dev.heed.toolkit.api.Target.top1(), seed);
            MethodCatalogue.Settings settings = MethodCatalogue.Settings.DEFAULTS.withSamples(samples).withSteps(igSteps)
                    .withBaseline(baseline);
            long start = System.nanoTime();
            TrustAudit.Report report = TrustAudit.run(engine.model(), engine.redrawable(), card,
                    m -> catalogue.create(m, backend, settings), request, steps, baseline, seed);
            // "seconds" is the only field that may differ between two runs with the same seed.
            Map<String, Object> document = OrderedMap.of("heedVersion", Version.VERSION, "model", model.toString(),
                    "modelSha256Prefix", source.fingerprint(), "inputs", used, "seed", seed, "backend", backend.id(), "modelPass", engine.engine(),
                    "seconds", (System.nanoTime() - start) / 1e9, "audit", report.summary());
            try {
                Json.write(json, document);
                AtomicFiles.write(html, TrustPage.html("Heed trust audit: " + catalogue.id() + " on " + model.getFileName(), report)
                        .getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CannotRun(output + ": cannot write the report (" + e.getMessage() + ")");
            }
            out.printf(Locale.ROOT, "%s on %d image(s): deletion AUC %.3f, insertion AUC %.3f, average drop %.1f%%, "
                            + "cascading randomisation Spearman|map| %s, random logit Spearman|map| %.3f -> %s%n",
                    catalogue.id(), prepared.size(), ((Map<?, ?>) report.summary().get("deletion")).get("auc"),
                    ((Map<?, ?>) report.summary().get("insertion")).get("auc"), report.summary().get("averageDropPercent"),
                    report.cascading().stream().map(s -> String.format(Locale.ROOT, "%s %.2f", s.layer(), s.spearmanOfMagnitudes())).toList(),
                    ((Map<?, ?>) report.summary().get("randomLogit")).get("spearmanOfMagnitudes"), html);
            out.println("verdicts: " + report.verdicts().stream().map(v -> v.check() + " " + v.outcome().id()).collect(Collectors.joining(", ")));
            out.flush();
            return unreadable == 0 ? 0 : BatchJob.EXIT_SOME_FAILED;
        }
    }

    private Backend openBackend(List<String> choices) throws CannotRun {
        if (!List.of("cpu", "cuda", "auto").contains(backendChoice)) {
            throw new CannotRun("--backend: unknown backend '" + backendChoice + "'; valid: cpu, cuda, auto");
        }
        try {
            return Backends.open(backendChoice, Runtime.getRuntime().availableProcessors(), choices::add);
        } catch (RuntimeException e) {
            throw new CannotRun("--backend " + backendChoice + ": " + e.getMessage());
        }
    }

    /** The model passes follow the map backend, as in heed overlay (an unsupported layer: error with cuda, fallback with auto). */
    private ModelPassEngine chooseModelPass(ModelSource source, Backend backend, List<String> choices) throws CannotRun {
        try {
            ModelPassEngine engine = ModelPassEngine.open(source, backendChoice, backend.id(), "fp32", choices::add);
            choices.forEach(line -> spec.commandLine().getErr().println("heed trust: " + line));
            return engine;
        } catch (RuntimeException e) {
            throw new CannotRun(source.file() + ": " + e.getMessage());
        }
    }

    private static ModelSource open(Path model, ModelOptions options) throws CannotRun {
        try {
            return ModelSources.open(model, options);
        } catch (IOException e) {
            throw new CannotRun(e.getMessage());
        } catch (RuntimeException e) {
            throw new CannotRun(model + ": " + e.getMessage());
        }
    }

    /** Why a file operation failed, without repeating the path the message already names. */
    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a folder";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    /** The output folder exists and takes files, and neither report path is taken by a folder. */
    private void prepareOutput(Path... reports) throws CannotRun {
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new CannotRun(output + ": exists and is not a folder");
        }
        try {
            Files.createDirectories(output);
            Path probe = Files.createTempFile(output, ".heed-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new CannotRun(output + ": output folder cannot be created or written (" + reason(e) + ")");
        }
        for (Path report : reports) {
            if (Files.isDirectory(report)) {
                throw new CannotRun(report + ": is a folder; the report cannot be written there");
            }
        }
    }
}
