package dev.heed.toolkit.cli;

import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.pipeline.BatchJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code heed demo}: every method over the bundled Fashion-MNIST test images with the bundled model. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a scenario on the bundled models and images (nothing downloads). saliency: every method on the "
                + "Fashion-MNIST test images, overlays, raw maps, sidecars and montages under --output; wrong-cue and "
                + "localisation: the trust demos; attention: MiniLM and the ViT.",
        footer = {"%nExamples:", "  heed demo", "  heed demo attention --output /tmp/heed-demo", "  heed demo photos",
                "  heed demo wrong-cue --force"})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--home", description = "the Heed checkout (default: $HEED_HOME or the current folder)")
    Path home = Path.of(System.getenv().getOrDefault("HEED_HOME", "."));

    @Option(names = "--output", description = "output folder (default: ${DEFAULT-VALUE})")
    Path output = Path.of("demo-output");

    @Option(names = "--force", description = "redo finished outputs")
    boolean force;

    @Option(names = "--cpu-engine", description = "saliency and photos: where the model pass runs, onednn or reference, as in "
            + "heed overlay (default: ${DEFAULT-VALUE})")
    String cpuEngine = dev.heed.toolkit.engine.source.ModelOptions.ONEDNN;

    @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "SCENARIO", defaultValue = "saliency",
            description = "saliency (every method on the bundled images), wrong-cue (a model that learned a planted shortcut, "
                    + "and whether each method finds it), localisation (pointing game and energy in the box on cluttered canvases) "
                    + "attention (MiniLM on the bundled sentences, the bundled ViT on the bundled images) "
                    + "or photos (every method on the bundled photographs with an ONNX export of torchvision's MobileNetV3-Small, "
                    + "random weights) "
                    + "(default: ${DEFAULT-VALUE})")
    String scenario;

    @Override
    public Integer call() throws Exception {
        Optional<String> badOutput = OutputFolder.problemWith(output);
        if (badOutput.isPresent()) {
            spec.commandLine().getErr().println("heed demo: " + badOutput.get() + " (--output)");
            return BatchJob.EXIT_JOB_FAILED;
        }
        if (scenario.equals("wrong-cue")) {
            return WrongCueDemo.run(home, output.resolve("wrong-cue"), spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        if (scenario.equals("localisation")) {
            return LocalisationDemo.run(home, output.resolve("localisation"), spec.commandLine().getOut());
        }
        if (scenario.equals("attention")) {
            return attention();
        }
        if (scenario.equals("photos")) {
            return photos();
        }
        if (!scenario.equals("saliency")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown scenario '" + scenario
                    + "'; valid: saliency, wrong-cue, localisation, attention, photos");
        }
        Path model = home.resolve("toolkit/models/fashion-cnn.zip");
        Path images = home.resolve("toolkit/samples/fashion-mnist");
        if (!Files.isRegularFile(model) || !Files.isDirectory(images)) {
            spec.commandLine().getErr().println("heed demo: bundled model or images not found under " + home.toAbsolutePath()
                    + " (run from the Heed checkout or set HEED_HOME)");
            return BatchJob.EXIT_JOB_FAILED;
        }
        List<List<String>> runs = new ArrayList<>();
        for (MethodCatalogue m : MethodCatalogue.all()) {
            runs.add(List.of("overlay", "--model", model.toString(), "--method", m.id(),
                    "--input", images.toString(), "--output", output.resolve(m.id()).toString(), "--target", "top1"));
        }
        int worst = runAll(runs);
        report(worst, output);
        return worst;
    }

    /**
     * Every method over the bundled photographs with an ONNX export of torchvision's MobileNetV3-Small, read with
     * {@code --preset imagenet} as a user's pretrained export would be. Its weights are random (nothing downloads here),
     * so the maps show that the path works, not what a trained model looks at.
     */
    private int photos() {
        Path model = home.resolve("toolkit/models/mobilenet_v3_small-random.onnx");
        Path images = home.resolve("toolkit/samples/photos");
        if (!Files.isRegularFile(model) || !Files.isDirectory(images)) {
            spec.commandLine().getErr().println("heed demo: bundled ONNX model or photographs not found under " + home.toAbsolutePath()
                    + " (run from the Heed checkout or set HEED_HOME)");
            return BatchJob.EXIT_JOB_FAILED;
        }
        spec.commandLine().getOut().println("demo photos: " + model.getFileName() + " has random weights (no pretrained weights can be "
                + "downloaded here): the maps show that the ONNX path works, not what a trained model looks at");
        // The photographs by name: the folder also holds their licence, which a folder input would warn about per method.
        String photos = BatchJob.imageFiles(List.of(images), note -> { }, (path, problem) -> { }).stream()
                .map(Path::toString).collect(java.util.stream.Collectors.joining(","));
        List<List<String>> runs = new ArrayList<>();
        for (MethodCatalogue m : MethodCatalogue.all()) {
            runs.add(List.of("overlay", "--model", model.toString(), "--preset", "imagenet", "--resize", "crop",
                    "--method", m.id(), "--input", photos, "--output", output.resolve("photos").resolve(m.id()).toString(),
                    "--target", "top1"));
        }
        int worst = runAll(runs);
        report(worst, output.resolve("photos"));
        return worst;
    }

    /** Runs each command line (with --force when the demo has it) and returns the worst exit code. */
    private int runAll(List<List<String>> runs) {
        int worst = 0;
        for (List<String> run : runs) {
            List<String> args = new ArrayList<>(run);
            if (run.get(0).equals("overlay")) {
                args.addAll(List.of("--cpu-engine", cpuEngine));
            }
            if (force) {
                args.add("--force");
            }
            CommandLine cli = HeedMain.commandLine();
            cli.setOut(spec.commandLine().getOut());
            cli.setErr(spec.commandLine().getErr());
            worst = Math.max(worst, cli.execute(args.toArray(String[]::new)));
        }
        return worst;
    }

    /** Where the outputs are, or, when a run could not start, that the demo stopped (its runs named the problem). */
    private void report(int worst, Path where) {
        if (worst >= BatchJob.EXIT_JOB_FAILED) {
            spec.commandLine().getErr().println("heed demo: stopped; see the messages above");
        } else {
            spec.commandLine().getOut().println("demo: outputs under " + where.toAbsolutePath()
                    + (worst == BatchJob.EXIT_SOME_FAILED ? " (some inputs failed; see above)" : ""));
        }
    }

    /** MiniLM over the bundled sentences (rollout into "it", similarity to a fixed sentence) and the ViT over the images. */
    private int attention() {
        Path sentences = home.resolve("toolkit/samples/sentences.txt");
        Path vit = home.resolve("toolkit/models/fashion-vit.zip");
        Path images = home.resolve("toolkit/samples/fashion-mnist");
        if (!Files.isRegularFile(sentences) || !Files.isRegularFile(vit) || !Files.isDirectory(images)) {
            spec.commandLine().getErr().println("heed demo: bundled sentences, ViT or images not found under " + home.toAbsolutePath()
                    + " (run from the Heed checkout or set HEED_HOME)");
            return BatchJob.EXIT_JOB_FAILED;
        }
        List<List<String>> runs = List.of(
                List.of("attention", "--model", "minilm", "--input-file", sentences.toString(), "--token", "it",
                        "--compare", "An animal was exhausted.", "--output", output.resolve("attention/minilm").toString()),
                List.of("attention", "--model", vit.toString(), "--input", images.toString(),
                        "--output", output.resolve("attention/vit").toString()));
        int worst = runAll(runs);
        report(worst, output.resolve("attention"));
        return worst;
    }
}
