package dev.heed.toolkit.engine.source;

import java.nio.file.Path;

/**
 * What the command line says about a model's input where the file does not (every field may be null: not given).
 * A DL4J zip without a heed.json card needs {@code inputShape}; an ONNX graph fixes its own shape, and its pixel scale,
 * normalisation and class names come from {@code preset}, a card file beside it, then these options, each overriding
 * the one before.
 *
 * @param preset {@code imagenet} (torchvision's mean and std, pixels / 255, the 1000 ImageNet class names) or {@code none}
 * @param cpuEngine where the model pass runs when it runs on the CPU: {@code onednn} (Heed's plan on oneDNN, the
 *                  default; a model it cannot run falls back to the reference with one line) or {@code reference} (the
 *                  format's reference: DL4J's inference twin for a zip, the plain-Java plan executor for ONNX)
 */
public record ModelOptions(int[] inputShape, Double pixelScale, Path labels, String preset, float[] mean, float[] std,
                           String cpuEngine) {
    public static final String ONEDNN = "onednn";
    public static final String REFERENCE = "reference";
    public static final ModelOptions NONE = new ModelOptions(null, null, null, null, null, null);

    /** The input options with the default CPU engine. */
    public ModelOptions(int[] inputShape, Double pixelScale, Path labels, String preset, float[] mean, float[] std) {
        this(inputShape, pixelScale, labels, preset, mean, std, null);
    }

    public ModelOptions {
        inputShape = inputShape == null ? null : inputShape.clone();
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        if (preset != null && !preset.equals("imagenet") && !preset.equals("none")) {
            throw new IllegalArgumentException("unknown --preset '" + preset + "'; valid: imagenet, none");
        }
        cpuEngine = cpuEngine == null ? ONEDNN : cpuEngine;
        checkCpuEngine(cpuEngine);
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("--mean and --std go together");
        }
    }

    /** Refuses anything but {@code onednn} or {@code reference}, with the option's name. */
    public static void checkCpuEngine(String cpuEngine) {
        if (!ONEDNN.equals(cpuEngine) && !REFERENCE.equals(cpuEngine)) {
            throw new IllegalArgumentException("unknown --cpu-engine '" + cpuEngine + "'; valid: onednn, reference");
        }
    }

    /** The same options with the CPU engine {@code engine} ({@code onednn} or {@code reference}). */
    public ModelOptions withCpuEngine(String engine) {
        return new ModelOptions(inputShape, pixelScale, labels, preset, mean, std, engine);
    }
}
