package dev.heed.toolkit.cli;

import dev.heed.toolkit.attention.text.MiniLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code heed attention}: what a transformer attends to, for sentences (MiniLM) or images (the bundled ViT). */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Attention maps of a real transformer, per layer and head, rolled out, and class- or similarity-specific.",
                "Text (--model minilm or a BERT-style .onnx export): per input a folder with one token-by-token heatmap per layer "
                        + "(SVG and PNG, every head), an offline HTML head view and model view, the rollout for --token, "
                        + "with --compare the tokens' saliency for the similarity, attention.npy and provenance.json.",
                "Images (--model vit or a ViT zip from `heed train --model vit`): per image a layers-by-heads grid of class-token "
                        + "attention overlays, the rollout and the class-specific relevance side by side, the maps as .npy and provenance.json.",
                "Exit code: 0 all done, 1 some inputs failed (each named on stderr and in summary.attention.json), 2 the job could not run."},
        footer = {"%nExamples:",
                "  heed attention --model minilm --token it --output out/minilm \\",
                "      --text \"The animal didn't cross the street because it was too tired.\"",
                "  heed attention --model minilm --input-file toolkit/samples/sentences.txt \\",
                "      --compare \"An animal was exhausted.\" --output out/minilm",
                "  heed attention --model vit --input toolkit/samples/fashion-mnist \\",
                "      --output out/vit"})
public final class AttentionCommand implements Callable<Integer> {
    /** The shortest input worth encoding: [CLS], one token of each sentence and their [SEP]s (TextBatch's minimum). */
    static final int MIN_TOKENS = 5;

    @Spec
    CommandSpec spec;

    /** The model names --model takes besides a file; anything else must be an existing .onnx or .zip file. */
    static final List<String> MODEL_NAMES = List.of("minilm", "vit");

    @Option(names = "--model", required = true, description = "minilm (all-MiniLM-L6-v2, bundled), vit (the bundled Fashion-MNIST ViT), a BERT-style .onnx file or a ViT .zip")
    String model;

    @Option(names = "--text", description = "text: a sentence to explain (repeatable)")
    List<String> texts = List.of();

    @Option(names = "--second", description = "text: encode the single --text as a sentence pair with this second sentence")
    String second;

    @Option(names = "--input-file", description = "text: UTF-8 file with one input per line; a tab separates the two sentences of a pair; blank lines are skipped")
    Path inputFile;

    @Option(names = "--compare", description = "text: explain each input's embedding similarity to this sentence (gradient x input on the token embeddings)")
    String compare;

    @Option(names = "--token", description = "text: the token whose rollout is drawn, as a position or the token itself (default: ${DEFAULT-VALUE}, i.e. [CLS])")
    String token = "0";

    @Option(names = "--max-tokens", description = "text: longest encoded input, [CLS] and [SEP] included, 5 up to the model's positions (512 for minilm); longer text is cut with a warning saying where (default: ${DEFAULT-VALUE}, as the model's tokenizer config)")
    int maxTokens = 128;

    @Option(names = "--input", split = ",", description = "images: image files and/or folders (a folder gives its .png, .jpg, .jpeg, .bmp and .gif files)")
    List<Path> images = List.of();

    @Option(names = "--target", description = "images: top1 | class:N, the class the relevance map explains (default: ${DEFAULT-VALUE})")
    String target = "top1";

    @Mixin
    OutputMixin output;

    @Option(names = "--head-fusion", description = "how rollout fuses heads: mean | max | min (default: ${DEFAULT-VALUE})")
    String headFusion = "mean";

    @Option(names = "--discard-ratio", description = "rollout: fraction of each layer's weakest off-diagonal attention dropped, 0..1 (default: ${DEFAULT-VALUE})")
    float discardRatio = 0f;

    @Option(names = "--colormap", description = "viridis, inferno, magma, plasma, turbo, jet, gray (default: ${DEFAULT-VALUE})")
    String colormap = "viridis";

    @Option(names = "--alpha", description = "images: opacity of the map over the image, 0..1 (default: ${DEFAULT-VALUE})")
    double alpha = 0.5;

    @Option(names = "--batch-size", description = "inputs per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize = 16;

    @Mixin
    ComputeMixin compute;

    @Option(names = "--cpu-engine", description = "where the transformer's passes run on the CPU (with --backend cuda they run on "
            + "Heed's CUDA engine): onednn (Heed's plan on oneDNN; a model it cannot run falls back to the reference with one line) or "
            + "reference (the model's SameDiff graph) (default: ${DEFAULT-VALUE})")
    String cpuEngine = dev.heed.toolkit.engine.source.ModelOptions.ONEDNN;

    @Option(names = "--force", description = "redo inputs whose outputs already exist")
    boolean force;

    @Override
    public Integer call() throws Exception {
        AttentionJob.Options options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            // one line, as for every job-level problem: the option or path, then what is wrong with it
            spec.commandLine().getErr().println("heed attention: " + e.getMessage());
            return 2;
        }
        return new AttentionJob(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }

    /** Why --model names neither a known model nor a usable file, or null when it does. */
    private String modelProblem() {
        if (MODEL_NAMES.contains(model)) {
            return null;
        }
        String valid = "; valid names: " + String.join(", ", MODEL_NAMES) + ", or a BERT-style .onnx file or a ViT .zip";
        Path file;
        try {
            file = Path.of(model);
        } catch (java.nio.file.InvalidPathException e) {
            return "--model " + model + ": not a model name or a valid path" + valid;
        }
        String lower = model.toLowerCase(java.util.Locale.ROOT);
        if (!Files.exists(file)) {
            return "--model " + model + ": no such file, and not a model name" + valid;
        }
        if (Files.isDirectory(file)) {
            return "--model " + model + ": is a folder; give a BERT-style .onnx file or a ViT .zip";
        }
        if (!lower.endsWith(".onnx") && !lower.endsWith(".zip")) {
            return "--model " + model + ": neither a .onnx nor a .zip file" + valid;
        }
        if (!Files.isReadable(file)) {
            return "--model " + model + ": cannot read the file (permission denied)";
        }
        try {
            if (Files.size(file) == 0) {
                return "--model " + model + ": empty file (0 bytes)";
            }
        } catch (java.io.IOException e) {
            return "--model " + model + ": cannot read the file (" + e.getMessage() + ")";
        }
        return null;
    }

    AttentionJob.Options options() {
        String modelProblem = modelProblem();
        if (modelProblem != null) {
            throw new IllegalArgumentException(modelProblem);
        }
        dev.heed.toolkit.engine.source.ModelOptions.checkCpuEngine(cpuEngine);
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("--alpha must be in [0, 1], got " + alpha);
        }
        if (!(discardRatio >= 0 && discardRatio < 1)) {
            throw new IllegalArgumentException("--discard-ratio must be in [0, 1), got " + discardRatio);
        }
        boolean vision = model.equals("vit") || model.toLowerCase(java.util.Locale.ROOT).endsWith(".zip");
        if (vision && (!texts.isEmpty() || inputFile != null)) {
            throw new IllegalArgumentException("--model " + model + " explains images: use --input, not --text or --input-file");
        }
        if (vision && images.isEmpty()) {
            throw new IllegalArgumentException("--model " + model + " needs --input (image files or folders)");
        }
        if (!vision && !images.isEmpty()) {
            throw new IllegalArgumentException("--model " + model + " explains text: use --text or --input-file, not --input");
        }
        if (!vision && texts.isEmpty() && inputFile == null) {
            throw new IllegalArgumentException("--model " + model + " needs --text or --input-file");
        }
        if (!vision && maxTokens < MIN_TOKENS) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + ": must be at least " + MIN_TOKENS
                    + " ([CLS], two [SEP] and a token of each sentence)");
        }
        if (model.equals("minilm") && maxTokens > MiniLm.BUNDLED_POSITIONS) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + ": beyond the model's "
                    + MiniLm.BUNDLED_POSITIONS + " positions");
        }
        if (second != null && texts.size() != 1) {
            throw new IllegalArgumentException("--second pairs with exactly one --text, got " + texts.size());
        }
        dev.heed.toolkit.backend.HeadFusion fusion = switch (headFusion) {
            case "mean" -> dev.heed.toolkit.backend.HeadFusion.MEAN;
            case "max" -> dev.heed.toolkit.backend.HeadFusion.MAX;
            case "min" -> dev.heed.toolkit.backend.HeadFusion.MIN;
            default -> throw new IllegalArgumentException("unknown --head-fusion '" + headFusion + "'; valid: mean, max, min");
        };
        int targetClass;
        if (target.equals("top1")) {
            targetClass = -1;
        } else if (target.startsWith("class:")) {
            try {
                targetClass = Integer.parseInt(target.substring("class:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--target must be top1 or class:N, got '" + target + "'");
            }
        } else {
            throw new IllegalArgumentException("--target must be top1 or class:N, got '" + target + "'");
        }
        return new AttentionJob.Options(model, vision, texts, second, inputFile, compare, token, maxTokens, images, targetClass,
                output.output, fusion, discardRatio, dev.heed.toolkit.render.Colormap.fromId(colormap), alpha, batchSize, compute.backend(),
                compute.threads(), cpuEngine, force);
    }
}
