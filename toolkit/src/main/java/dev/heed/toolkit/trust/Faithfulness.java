package dev.heed.toolkit.trust;

import dev.heed.toolkit.model.ModelAdapter;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Does the model's confidence follow the map? Deletion and insertion curves (Petsiuk et al. 2018, "RISE"): remove the
 * pixels the map ranks highest, or reveal them on a blank canvas, and watch the class probability; and average
 * drop / increase in confidence (Chattopadhay et al. 2018, "Grad-CAM++") when the image is masked by the map.
 * Probabilities are the softmax of the logits; every variant of one image goes through the model in one batch.
 */
public final class Faithfulness {
    private final ModelAdapter model;

    public Faithfulness(ModelAdapter model) {
        this.model = model;
    }

    /**
     * Probabilities after deleting (setting to {@code baseline} in every channel) or inserting the top
     * {@code round(k/steps * pixels)} pixels by map value, k = 0..steps, and the areas under both curves
     * (trapezoid rule over the fraction of pixels). Low deletion and high insertion AUC mean a faithful map.
     */
    public record Curves(double[] fractions, double[] deletion, double[] insertion, double deletionAuc, double insertionAuc,
                         double baseline, int steps) {
    }

    /** @param image one model input {@code [c][h][w]}; @param map {@code [h][w]} at the same resolution */
    public Curves deletionInsertion(float[] image, float[] map, int cls, int steps, double baseline) {
        int[] shape = model.inputShape();
        int c = shape[0];
        int plane = shape[1] * shape[2];
        if (image.length != c * plane || map.length != plane) {
            throw new IllegalArgumentException("image has " + image.length + " values and map " + map.length + "; the model wants "
                    + c + "x" + plane + " and " + plane);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        int[] order = IntStream.range(0, plane).boxed()
                .sorted(Comparator.<Integer>comparingDouble(p -> -map[p]).thenComparingInt(p -> p))
                .mapToInt(Integer::intValue).toArray();
        int variants = steps + 1;
        float[] batch = new float[2 * variants * image.length];
        for (int k = 0; k < variants; k++) {
            int changed = (int) Math.round((double) k / steps * plane);
            int deletion = k * image.length;
            int insertion = (variants + k) * image.length;
            System.arraycopy(image, 0, batch, deletion, image.length);
            java.util.Arrays.fill(batch, insertion, insertion + image.length, (float) baseline);
            for (int j = 0; j < changed; j++) {
                int p = order[j];
                for (int ch = 0; ch < c; ch++) {
                    batch[deletion + ch * plane + p] = (float) baseline;
                    batch[insertion + ch * plane + p] = image[ch * plane + p];
                }
            }
        }
        double[] probability = probabilities(batch, 2 * variants, cls);
        double[] fractions = new double[variants];
        double[] deletionCurve = new double[variants];
        double[] insertionCurve = new double[variants];
        for (int k = 0; k < variants; k++) {
            fractions[k] = (double) k / steps;
            deletionCurve[k] = probability[k];
            insertionCurve[k] = probability[variants + k];
        }
        return new Curves(fractions, deletionCurve, insertionCurve, trapezoid(deletionCurve, steps), trapezoid(insertionCurve, steps),
                baseline, steps);
    }

    /** Average drop for one image: {@code max(0, Y - O) / Y}, and whether confidence increased ({@code O > Y}). */
    public record ConfidenceChange(double drop, boolean increased, double original, double masked) {
    }

    /** Y is the class probability on the image, O on the image multiplied by the map min-max normalised to [0, 1]. */
    public ConfidenceChange confidenceChange(float[] image, float[] map, int cls) {
        int[] shape = model.inputShape();
        int plane = shape[1] * shape[2];
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float[] batch = new float[2 * image.length];
        System.arraycopy(image, 0, batch, 0, image.length);
        for (int i = 0; i < image.length; i++) {
            float weight = hi > lo ? (map[i % plane] - lo) / (hi - lo) : 0f;
            batch[image.length + i] = image[i] * weight;
        }
        double[] p = probabilities(batch, 2, cls);
        return new ConfidenceChange(Math.max(0, p[0] - p[1]) / p[0], p[1] > p[0], p[0], p[1]);
    }

    private double[] probabilities(float[] batch, int n, int cls) {
        int[] s = model.inputShape();
        INDArray logits = model.logits(Nd4j.create(batch, new long[] {n, s[0], s[1], s[2]}, 'c'));
        INDArray softmax = Transforms.softmax(logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), true);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = softmax.getDouble(i, cls);
        }
        return out;
    }

    private static double trapezoid(double[] curve, int steps) {
        double area = 0;
        for (int k = 0; k < steps; k++) {
            area += (curve[k] + curve[k + 1]) / 2 / steps;
        }
        return area;
    }
}
