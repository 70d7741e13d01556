package dev.heed.toolkit.method.smoothing;

import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.method.gradient.AttributionMethod;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Averages any attribution method over noisy copies of the input (Smilkov et al., 2017, "SmoothGrad: removing noise
 * by adding noise"). The noise is Gaussian with standard deviation {@code noiseLevel * (max(x) - min(x))} per image,
 * drawn from the image's own seed, so an image gets the same map whatever batch it is in.
 */
public final class SmoothGrad extends AttributionMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "smoothgrad";

    private final AttributionMethod inner;
    private final int samples;
    private final double noiseLevel;

    public SmoothGrad(AttributionMethod inner, int samples, double noiseLevel) {
        super(inner.model(), inner.backend());
        Noise.checkArguments(samples, noiseLevel);
        this.inner = inner;
        this.samples = samples;
        this.noiseLevel = noiseLevel;
    }

    @Override
    public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
        INDArray x = inputs.castTo(DataType.FLOAT);
        int n = classes.length;
        int perImage = (int) (x.length() / n);
        float[] clean = dev.heed.toolkit.method.TargetPlan.flat(x);
        double[] sigma = new double[n];
        SplittableRandom[] noise = new SplittableRandom[n];
        for (int i = 0; i < n; i++) {
            sigma[i] = Noise.sigma(clean, i * perImage, perImage, noiseLevel);
            noise[i] = new SplittableRandom(seeds[i]);
        }
        INDArray sum = null;
        Map<String, double[]> diagnostics = new HashMap<>();
        for (int s = 0; s < samples; s++) {
            float[] noisy = new float[clean.length];
            long[] innerSeeds = new long[n];
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < perImage; p++) {
                    noisy[i * perImage + p] = (float) (clean[i * perImage + p] + sigma[i] * Noise.gaussian(noise[i]));
                }
                innerSeeds[i] = noise[i].nextLong();
            }
            Attribution a = inner.attribute(Nd4j.create(noisy, x.shape(), 'c'), classes, innerSeeds);
            sum = sum == null ? a.values().dup() : sum.addi(a.values());
            for (Map.Entry<String, double[]> e : a.diagnostics().entrySet()) {
                double[] acc = diagnostics.computeIfAbsent(e.getKey(), k -> new double[n]);
                for (int i = 0; i < n; i++) {
                    acc[i] += e.getValue()[i] / samples;
                }
            }
        }
        return new Attribution(sum.divi(samples), diagnostics);
    }

    @Override
    public ChannelReduction reduction() {
        return inner.reduction();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("inner", inner.id());
        p.put("innerParameters", inner.parameters());
        p.put("samples", samples);
        p.put("noiseLevel", noiseLevel);
        return p;
    }
}
