package dev.heed.toolkit.method.smoothing;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.NoiseStreams;
import dev.heed.toolkit.backend.ResidentArray;
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
        double[] sigma = sigmas(clean, n);
        SplittableRandom[] noise = new SplittableRandom[n];
        for (int i = 0; i < n; i++) {
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

    /**
     * On a model that wants passes of many rows (the CUDA engine), the noise is drawn where the batch lives
     * ({@link Backend#gaussianNoise}: the host loop's values, from each image's counter-based stream) as stacked
     * copies, as many samples per pass as {@link dev.heed.toolkit.model.ModelAdapter#preferredPassRows()} allows; the
     * inner method takes them there, and the sum and mean are formed on the backend. Only the clean batch goes up.
     * Other models take the host path.
     */
    @Override
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        if (model.preferredPassRows() == 0) {
            return super.attribute(inputs, classes, seeds, scope);
        }
        INDArray x = inputs.castTo(DataType.FLOAT);
        int n = classes.length;
        float[] clean = dev.heed.toolkit.method.TargetPlan.flat(x);
        int perImage = clean.length / n;
        double[] sigma = sigmas(clean, n);
        // the host loop's draws per sample: two per value, then the inner method's seed
        long drawsPerSample = 2L * perImage + 1;
        int[] shape = java.util.Arrays.stream(x.shape()).mapToInt(Math::toIntExact).toArray();
        ResidentArray images = scope.upload(clean, shape);
        int perPass = Math.min(samples, Math.max(1, model.preferredPassRows() / n));
        ResidentArray sum = null;
        Map<String, double[]> diagnostics = new HashMap<>();
        for (int first = 0; first < samples; first += perPass) {
            int count = Math.min(perPass, samples - first);
            ResidentArray noisy = backend.gaussianNoise(images, seeds, sigma, first * drawsPerSample, drawsPerSample, count);
            int[] stackedClasses = new int[count * n];
            long[] innerSeeds = new long[count * n];
            for (int k = 0; k < count; k++) {
                for (int i = 0; i < n; i++) {
                    stackedClasses[k * n + i] = classes[i];
                    innerSeeds[k * n + i] = NoiseStreams.nextLong(seeds[i], (first + k) * drawsPerSample + drawsPerSample);
                }
            }
            ResidentAttribution a = inner.attribute(noisy, stackedClasses, innerSeeds, scope);
            // the first sample is added to zeros (the host path copies it: the two differ only in the sign of a zero)
            ResidentArray total = backend.sumBlocks(sum, a.values(), count);
            // one pass's noisy copies and attributions and one running sum on the device at a time
            scope.release(noisy);
            scope.release(a.values());
            if (sum != null) {
                scope.release(sum);
            }
            sum = total;
            for (Map.Entry<String, double[]> e : a.diagnostics().entrySet()) {
                double[] acc = diagnostics.computeIfAbsent(e.getKey(), key -> new double[n]);
                for (int k = 0; k < count; k++) {
                    for (int i = 0; i < n; i++) {
                        acc[i] += e.getValue()[k * n + i] / samples;
                    }
                }
            }
        }
        return new ResidentAttribution(backend.divide(sum, samples), diagnostics);
    }

    /** Each image's noise level: {@code noiseLevel} times its value range, over a flat batch of {@code n} images. */
    private double[] sigmas(float[] clean, int n) {
        int perImage = clean.length / n;
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            sigma[i] = Noise.sigma(clean, i * perImage, perImage, noiseLevel);
        }
        return sigma;
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
