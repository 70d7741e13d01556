package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
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
            double a = (k + 0.5) / steps;
            INDArray point = reference.add(delta.mul(a));
            gradientSum.addi(inputGradient(model, point, classes));
        }
        INDArray attribution = gradientSum.divi(steps).muli(delta);

        INDArray scoreWeights = TargetPlan.oneHot(classes, model.numClasses());
        INDArray scoreGain = model.logits(x).mul(scoreWeights).sum(1).sub(model.logits(reference).mul(scoreWeights).sum(1));
        int n = classes.length;
        double[] gap = new double[n];
        double[] relative = new double[n];
        for (int i = 0; i < n; i++) {
            double total = attribution.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).sumNumber().doubleValue();
            double gain = scoreGain.getDouble(i);
            gap[i] = Math.abs(total - gain);
            relative[i] = gain != 0 ? gap[i] / Math.abs(gain) : Double.NaN;
        }
        return new Attribution(attribution, Map.of("completenessGap", gap, "relativeCompletenessGap", relative));
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
