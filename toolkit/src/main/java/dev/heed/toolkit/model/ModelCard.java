package dev.heed.toolkit.model;

import java.util.Arrays;
import java.util.List;

/**
 * What Heed needs to know about a model that its weights do not say: the input shape, how pixels are scaled, and
 * the class names. Stored as {@code heed.json} inside the model zip; for a model without one it comes from the command
 * line.
 *
 * @param pixelScale multiplier from 8-bit pixel values to model inputs (1/255 maps to [0, 1])
 */
public record ModelCard(int channels, int height, int width, double pixelScale, List<String> classNames) {
    public ModelCard {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("input shape must be positive, got " + channels + "x" + height + "x" + width);
        }
        classNames = List.copyOf(classNames);
    }

    public int[] shape() {
        return new int[] {channels, height, width};
    }

    public String className(int index) {
        return index < classNames.size() ? classNames.get(index) : "class " + index;
    }

    /** Class names from a text file, one per line; blank lines are skipped. One-line error naming the file. */
    public static List<String> readLabels(java.nio.file.Path labels) throws java.io.IOException {
        try {
            return java.nio.file.Files.readAllLines(labels, java.nio.charset.StandardCharsets.UTF_8).stream().map(String::trim)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.IOException(labels + ": cannot read the labels file (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Parses {@code C,H,W} (or {@code CxHxW}). */
    public static int[] parseShape(String text) {
        String[] parts = text.trim().split("[,x]");
        if (parts.length != 3) {
            throw new IllegalArgumentException("input shape must be C,H,W (e.g. 3,224,224), got '" + text + "'");
        }
        try {
            return Arrays.stream(parts).mapToInt(p -> Integer.parseInt(p.trim())).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input shape must be C,H,W (e.g. 3,224,224), got '" + text + "'");
        }
    }
}
