package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Integrated Gradients: {@code (x - x') * integral_0^1 dS(x' + a (x - x'))/dx da}, approximated with the midpoint
 * rule over {@code steps} points (Sundararajan, Taly, Yan, 2017, "Axiomatic Attribution for Deep Networks"). The
 * attributions should sum to {@code S(x) - S(x')}; every map reports how far they are off ({@code completenessGap},
 * absolute, and {@code relativeCompletenessGap}, divided by {@code |S(x) - S(x')|}).
 */
public final class IntegratedGradients extends AttributionMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "integrated-gradients";

    private final int steps;
    private final double baseline;

    /** @param baseline the constant input value of the reference image (0 is black after the model's pixel scaling) */
    public IntegratedGradients(ModelAdapter model, Backend backend, int steps, double baseline) {
        super(model, backend);
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        this.steps = steps;
        this.baseline = baseline;
    }

    @Override
    public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
        INDArray x = inputs;
        INDArray reference = x.ulike().assign(baseline);
        INDArray delta = x.sub(reference);
        INDArray gradientSum = x.ulike().assign(0);
        for (int k = 0; k < steps; k++) {
            gradientSum.addi(inputGradient(model, point(reference, delta, k), classes));
        }
        INDArray attribution = gradientSum.divi(steps).muli(delta);
        int n = classes.length;
        double[] totals = new double[n];
        for (int i = 0; i < n; i++) {
            totals[i] = attribution.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).sumNumber().doubleValue();
        }
        return new Attribution(attribution, completeness(x, reference, classes, totals));
    }

    /**
     * On a model that wants passes of many rows (the CUDA engine), the path steps are stacked: each pass holds as many
     * steps of the whole batch as {@link ModelAdapter#preferredPassRows()} allows, its points made on the backend from
     * {@code x - x'} ({@link Backend#pathPoints}), the gradients summed step by step there ({@link Backend#sumBlocks},
     * the same float adds in the same order as the host path), divided and multiplied by {@code x - x'}; only the
     * channel-summed map comes down for the completeness check. Other models take the host path, one pass per step.
     */
    @Override
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        if (model.preferredPassRows() == 0) {
            return super.attribute(inputs, classes, seeds, scope);
        }
        int n = classes.length;
        int stepsPerPass = Math.min(steps, Math.max(1, model.preferredPassRows() / n));
        INDArray x = inputs;
        INDArray reference = x.ulike().assign(baseline);
        INDArray delta = x.sub(reference);
        // x - x' goes up once; the path points are made from it on the backend, a pass's worth at a time
        ResidentArray difference = ModelPass.upload(delta, scope);
        ResidentArray sum = null;
        for (int first = 0; first < steps; first += stepsPerPass) {
            int count = Math.min(stepsPerPass, steps - first);
            float[] alphas = new float[count];
            int[] stackedClasses = new int[count * n];
            for (int k = 0; k < count; k++) {
                alphas[k] = (float) alpha(first + k);
                System.arraycopy(classes, 0, stackedClasses, k * n, n);
            }
            ResidentArray points = backend.pathPoints(difference, (float) baseline, alphas);
            ResidentArray gradients = inputGradient(model, points, stackedClasses, scope);
            ResidentArray total = backend.sumBlocks(sum, gradients, count);
            // one pass's points and gradients and one running sum on the device at a time
            scope.release(points);
            scope.release(gradients);
            if (sum != null) {
                scope.release(sum);
            }
            sum = total;
        }
        ResidentArray attribution = backend.multiply(backend.divide(sum, steps), difference);
        float[] summed = scope.download(backend.reduceChannels(attribution, ChannelReduction.SUM));
        int pixels = summed.length / n;
        double[] totals = new double[n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < pixels; p++) {
                totals[i] += summed[i * pixels + p];
            }
        }
        return new ResidentAttribution(attribution, completeness(x, reference, classes, totals));
    }

    /** The path point of step {@code k}: {@code x' + a (x - x')} at the midpoint {@link #alpha}. */
    private INDArray point(INDArray reference, INDArray delta, int k) {
        return reference.add(delta.mul(alpha(k)));
    }

    /** Step {@code k}'s midpoint on the path, {@code (k + 1/2) / steps}. */
    private double alpha(int k) {
        return (k + 0.5) / steps;
    }

    /** How far each row's attribution total is from {@code S(x) - S(x')}: absolute and relative. */
    private Map<String, double[]> completeness(INDArray x, INDArray reference, int[] classes, double[] totals) {
        INDArray scoreWeights = TargetPlan.oneHot(classes, model.numClasses());
        INDArray scoreGain = model.logits(x).mul(scoreWeights).sum(1).sub(model.logits(reference).mul(scoreWeights).sum(1));
        int n = classes.length;
        double[] gap = new double[n];
        double[] relative = new double[n];
        for (int i = 0; i < n; i++) {
            double gain = scoreGain.getDouble(i);
            gap[i] = Math.abs(totals[i] - gain);
            relative[i] = gain != 0 ? gap[i] / Math.abs(gain) : Double.NaN;
        }
        return Map.of("completenessGap", gap, "relativeCompletenessGap", relative);
    }

    @Override
    public ChannelReduction reduction() {
        return ChannelReduction.SUM;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("steps", steps, "baseline", baseline, "rule", "midpoint", "reduction", reduction().name().toLowerCase());
    }
}
