package dev.heed.toolkit.engine.source;

import java.nio.file.Path;

/**
 * What the command line says about a model's input where the file does not (every field may be null: not given).
 * A DL4J zip without a heed.json card needs {@code inputShape}; an ONNX graph fixes its own shape, and its pixel scale,
 * normalisation and class names come from {@code preset}, a card file beside it, then these options, each overriding
 * the one before.
 *
 * @param preset {@code imagenet} (torchvision's mean and std, pixels / 255, the 1000 ImageNet class names) or {@code none}
 */
public record ModelOptions(int[] inputShape, Double pixelScale, Path labels, String preset, float[] mean, float[] std) {
    public static final ModelOptions NONE = new ModelOptions(null, null, null, null, null, null);

    public ModelOptions {
        inputShape = inputShape == null ? null : inputShape.clone();
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
        if (preset != null && !preset.equals("imagenet") && !preset.equals("none")) {
            throw new IllegalArgumentException("unknown --preset '" + preset + "'; valid: imagenet, none");
        }
        if ((mean == null) != (std == null)) {
            throw new IllegalArgumentException("--mean and --std go together");
        }
    }
}
