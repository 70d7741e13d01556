package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.ModelInput;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.MethodCatalogue;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
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
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code heed trust}: sanity checks and faithfulness metrics for one method on a folder of images. */
@Command(name = "trust", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Audit a saliency method on a model and images: model-parameter randomisation (cascading and "
                + "independent), the random-logit test, deletion and insertion AUC, average drop and increase in confidence, "
                + "and Integrated Gradients' completeness. Writes trust.<method>.json and an offline trust.<method>.html.",
                "Exit code: 0 written, 2 the audit could not run."})
public final class TrustCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "DL4J model zip with a heed.json card")
    Path model;

    @Option(names = "--method", required = true, description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = OverlayCommand.MethodIds.class)
    String method;

    @Option(names = "--input", required = true, description = "a folder of images (its .png, .jpg, .jpeg, .bmp and .gif files)")
    Path input;

    @Option(names = "--output", required = true, description = "output folder")
    Path output;

    @Option(names = "--images", description = "at most this many images, in name order (default: ${DEFAULT-VALUE})")
    int images = 12;

    @Option(names = "--steps", description = "deletion/insertion steps (default: ${DEFAULT-VALUE})")
    int steps = 16;

    @Option(names = "--baseline", description = "value that deleted pixels take, after pixel scaling (default: ${DEFAULT-VALUE})")
    double baseline = 0;

    @Option(names = "--seed", description = "seed of the re-drawn weights, the random logit and noisy methods (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--samples", description = "SmoothGrad samples (default: ${DEFAULT-VALUE})")
    int samples = 8;

    @Option(names = "--ig-steps", description = "Integrated Gradients steps (default: ${DEFAULT-VALUE})")
    int igSteps = 16;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MethodCatalogue catalogue;
        try {
            catalogue = MethodCatalogue.fromId(method);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (images < 1 || steps < 1) {
            throw new ParameterException(spec.commandLine(), "--images and --steps must be >= 1");
        }
        List<Path> files = imageFiles();
        Model network = Dl4jModels.restore(model);
        try (Dl4jModel adapter = Dl4jModels.load(model, null); Backend backend = Backends.open("auto", Runtime.getRuntime().availableProcessors(), l -> { })) {
            ModelCard card = adapter.card();
            List<float[]> inputs = new ArrayList<>();
            List<String> used = new ArrayList<>();
            for (Path f : files) {
                if (inputs.size() == images) {
                    break;
                }
                try {
                    inputs.add(ModelInput.prepare(InputImage.read(f), card, ModelInput.Resize.STRETCH));
                    used.add(f.getFileName().toString());
                } catch (IOException e) {
                    err.println(e.getMessage());
                }
            }
            if (inputs.isEmpty()) {
                err.println("heed trust: no readable image in " + input);
                return OverlayJob.EXIT_JOB_FAILED;
            }
            int size = card.channels() * card.height() * card.width();
            float[] batch = new float[inputs.size() * size];
            for (int i = 0; i < inputs.size(); i++) {
                System.arraycopy(inputs.get(i), 0, batch, i * size, size);
            }
            ExplainRequest request = ExplainRequest.of(
                    Nd4j.create(batch, new long[] {inputs.size(), card.channels(), card.height(), card.width()}, 'c'),
                    dev.heed.toolkit.api.Target.top1(), seed);
            MethodCatalogue.Settings settings = new MethodCatalogue.Settings(null, samples, 0.15, igSteps, baseline, 0, 0, MethodCatalogue.GRADIENT);
            long start = System.nanoTime();
            TrustAudit.Report report = TrustAudit.run(network, adapter, m -> catalogue.create(m, backend, settings), request, steps, baseline, seed);
            Map<String, Object> json = OrderedMap.of("heedVersion", Version.VERSION, "model", model.toString(),
                    "modelSha256Prefix", adapter.fingerprint(), "inputs", used, "seed", seed, "backend", backend.id(),
                    "seconds", (System.nanoTime() - start) / 1e9, "audit", report.summary());
            Files.createDirectories(output);
            Json.write(output.resolve("trust." + catalogue.id() + ".json"), json);
            AtomicFiles.write(output.resolve("trust." + catalogue.id() + ".html"),
                    TrustPage.html("Heed trust audit: " + catalogue.id() + " on " + model.getFileName(), report).getBytes(StandardCharsets.UTF_8));
            out.printf(Locale.ROOT, "%s on %d image(s): deletion AUC %.3f, insertion AUC %.3f, average drop %.1f%%, "
                            + "cascading randomisation Spearman|map| %s, random logit Spearman|map| %.3f -> %s%n",
                    catalogue.id(), inputs.size(), ((Map<?, ?>) report.summary().get("deletion")).get("auc"),
                    ((Map<?, ?>) report.summary().get("insertion")).get("auc"), report.summary().get("averageDropPercent"),
                    report.cascading().stream().map(s -> String.format(Locale.ROOT, "%s %.2f", s.layer(), s.spearmanOfMagnitudes())).toList(),
                    ((Map<?, ?>) report.summary().get("randomLogit")).get("spearmanOfMagnitudes"), output.resolve("trust." + catalogue.id() + ".html"));
            out.flush();
            return 0;
        }
    }

    private List<Path> imageFiles() throws IOException {
        if (!Files.isDirectory(input)) {
            throw new IOException(input + ": not a folder");
        }
        try (Stream<Path> list = Files.list(input)) {
            return list.filter(Files::isRegularFile).filter(OverlayJob::hasImageExtension).sorted().toList();
        }
    }
}
