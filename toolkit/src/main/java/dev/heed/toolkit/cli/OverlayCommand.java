package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.OverlayOptions;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Normalization;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code heed overlay}: saliency overlays, raw maps and provenance for a folder or list of images. */
@Command(name = "overlay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain an image classifier's decisions (a DL4J zip or an ONNX export) on images: for each image and target class, write an overlay PNG "
                + "(with a colour bar in raw units), the raw map (.npy, float32) and a JSON provenance sidecar; per batch a "
                + "montage; at the end summary.<method>.json.",
                "Exit code: 0 all done, 1 some inputs failed (each named on stderr and in the summary), 2 the job could not run."},
        footer = {"%nExamples:",
                "  heed overlay --model toolkit/models/fashion-cnn.zip --method gradcam --input toolkit/samples/fashion-mnist --output out/",
                "  heed overlay --model toolkit/models/fashion-cnn.zip --method smoothgrad --smooth gradxinput --target topk:3 \\",
                "      --input toolkit/samples/fashion-mnist/0000-ankle-boot.png --output out/ --colormap inferno --alpha 0.6",
                "  heed overlay --model my-graph.zip --input-shape 3,224,224 --labels labels.txt --method gradcam++ --input photos/ --output out/",
                "  heed overlay --model resnet18.onnx --preset imagenet --method gradcam --resize crop --input toolkit/samples/photos --output out/"})
public final class OverlayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelMixin model;

    @Option(names = "--method", required = true, description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = MethodIds.class)
    String method;

    @Option(names = "--target", description = "top1 | topk:K | class:N | all (default: ${DEFAULT-VALUE})")
    String target = "top1";

    @Mixin
    InputsMixin input;

    @Mixin
    OutputMixin output;

    @Option(names = "--colormap", description = "viridis, inferno, magma, plasma, turbo, jet, gray, bwr, or auto: bwr for signed scales, else viridis (default: ${DEFAULT-VALUE})")
    String colormap = "auto";

    @Option(names = "--alpha", description = "opacity of the heat map over the image, 0..1 (default: ${DEFAULT-VALUE})")
    double alpha = 0.5;

    @Option(names = "--normalize", description = "minmax | percentile:LO:HI | fixed:LO:HI | batch | signed | auto: signed for signed maps, else minmax (default: ${DEFAULT-VALUE})")
    String normalize = "auto";

    @Option(names = "--batch-size", description = "images per explain call (default: ${DEFAULT-VALUE})")
    int batchSize = 16;

    @Mixin
    ComputeMixin compute;

    @Option(names = "--precision", description = "with the CUDA backend, the engine's multiplications: fp32 (exact), tf32 (tensor cores, "
            + "sm_80 and newer) or auto (tf32 where the GPU has it) (default: ${DEFAULT-VALUE})")
    String precision = "fp32";

    @Option(names = "--seed", description = "base seed; each image's seed comes from it and the file name (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--force", description = "redo images whose outputs already exist")
    boolean force;

    @Mixin
    MethodSettingsMixin methodSettings;

    @Option(names = "--resize", description = "stretch | crop: how images of any size become the model's input size (default: ${DEFAULT-VALUE})")
    String resize = "stretch";

    @Option(names = "--trust", description = "measure each map's trust block (deletion and insertion AUC, average drop; IG's completeness gap) into its sidecar")
    boolean trust;

    @Option(names = "--require", split = ",", description = "refuse to export maps that fail a check: deletionAuc=MAX, insertionAuc=MIN, averageDrop=MAX, relativeCompletenessGap=MAX (implies --trust)")
    List<String> require = List.of();

    @Option(names = "--progress", description = "bar | lines | auto: a bar when a console is attached, else one line per batch (default: ${DEFAULT-VALUE})")
    String progress = "auto";

    @Option(names = "--min-display-side", description = "small images are scaled up by a whole factor until their short side reaches this (default: ${DEFAULT-VALUE})")
    int minDisplaySide = 256;

    /** Lists method ids for picocli's help. */
    static final class MethodIds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return MethodCatalogue.all().stream().map(MethodCatalogue::id).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        OverlayOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return new OverlayJob(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }

    OverlayOptions options() {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("--alpha must be in [0, 1], got " + alpha);
        }
        MethodCatalogue.Settings settings = methodSettings.settings();
        if (!List.of("fp32", "tf32", "auto").contains(precision)) {
            throw new IllegalArgumentException("unknown --precision '" + precision + "'; valid: fp32, tf32, auto");
        }
        if (minDisplaySide < 32) {
            throw new IllegalArgumentException("--min-display-side must be at least 32, got " + minDisplaySide);
        }
        boolean bar = switch (progress) {
            case "bar" -> true;
            case "lines" -> false;
            case "auto" -> System.console() != null;
            default -> throw new IllegalArgumentException("unknown --progress '" + progress + "'; valid: bar, lines, auto");
        };
        return new OverlayOptions(model.model, model.options(), MethodCatalogue.fromId(method), settings, Target.parse(target), input.inputs, output.output,
                colormap.equals("auto") ? null : Colormap.fromId(colormap), alpha,
                normalize.equals("auto") ? null : Normalization.parse(normalize), batchSize, compute.threads(), compute.backend(), seed, force,
                ModelInput.Resize.fromId(resize), minDisplaySide, bar, trust,
                require.stream().map(dev.heed.toolkit.trust.MapChecks.Requirement::parse).toList(), precision);
    }

}
