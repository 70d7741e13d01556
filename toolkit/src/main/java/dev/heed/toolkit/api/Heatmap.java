package dev.heed.toolkit.api;

import java.util.Map;

/**
 * One raw saliency map for one image and one class, at the model's input resolution, row-major {@code [height][width]}.
 * Values are in the method's own units (gradient magnitude, attribution, score drop); nothing is normalised here.
 *
 * @param imageIndex  position of the image in the request's batch
 * @param classIndex  the class whose score was explained
 * @param score       that class's logit on the unmodified image
 * @param signed      true when negative values carry meaning (show them on a diverging scale)
 * @param diagnostics method-specific numbers that travel with the map (e.g. Integrated Gradients' completeness gap)
 */
public record Heatmap(int imageIndex, int classIndex, float score, int height, int width, float[] values,
                      boolean signed, Map<String, Double> diagnostics) {
    public Heatmap {
        if (values.length != height * width) {
            throw new IllegalArgumentException("map has " + values.length + " values, expected " + height + "x" + width);
        }
        values = values.clone();
        diagnostics = Map.copyOf(diagnostics);
    }

    /** A copy of the values; the record itself stays immutable. */
    @Override
    public float[] values() {
        return values.clone();
    }
}
