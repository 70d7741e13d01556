package dev.heed.toolkit.cli;

import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.model.ModelCard;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The model options that {@code heed overlay}, {@code heed trust} and {@code heed view} share: the file, and what its
 * format does not say about its input.
 */
public final class ModelMixin {
    @Option(names = "--model", required = true, description = "a DL4J model zip (MultiLayerNetwork or ComputationGraph, "
            + "saved by ModelSerializer) or an ONNX image classifier (an [N, C, H, W] input, logits out)")
    public Path model;

    @Option(names = "--input-shape", description = "C,H,W for a DL4J zip without a heed.json card (an ONNX graph states its own)")
    String inputShape;

    @Option(names = "--pixel-scale", description = "multiplier from 0..255 pixels to model inputs (default: the card's, else 1/255)")
    Double pixelScale;

    @Option(names = "--labels", description = "text file with one class name per line")
    Path labels;

    @Option(names = "--preset", description = "ONNX: imagenet (torchvision's mean and std, pixels/255, the 1000 ImageNet class names) "
            + "or none (default: the card file's, else none)")
    String preset;

    @Option(names = "--mean", split = ",", description = "ONNX: per-channel mean subtracted after pixel scaling, e.g. 0.485,0.456,0.406")
    float[] mean;

    @Option(names = "--std", split = ",", description = "ONNX: per-channel std divided by after subtracting the mean, e.g. 0.229,0.224,0.225")
    float[] std;

    @Option(names = "--cpu-engine", description = "where the model pass runs on the CPU: onednn (Heed's plan on oneDNN; a layer "
            + "it cannot run falls back to the reference with one line) or reference (DL4J's inference twin for a zip, Heed's "
            + "plain-Java executor for ONNX) (default: ${DEFAULT-VALUE})")
    String cpuEngine = ModelOptions.ONEDNN;

    /** The options as the loader takes them; a bad value is an IllegalArgumentException naming the option. */
    public ModelOptions options() {
        return new ModelOptions(inputShape == null ? null : ModelCard.parseShape(inputShape), pixelScale, labels, preset, mean, std,
                cpuEngine);
    }
}
