package dev.heed.toolkit.method.smoothing;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SmoothGrad around any method, as Captum's NoiseTunnel wraps any attribution: the maps of {@code samples} noisy copies
 * of each image, averaged. {@link SmoothGrad} averages an input-attribution method's attributions before their channel
 * reduction; methods without one (CAMs, occlusion) are smoothed here, map by map. The classes come from the clean
 * image's logits, so every noisy copy is explained for the same class; the noise is SmoothGrad's (Gaussian,
 * {@code noiseLevel * (max - min)} of the image) from the image's own seed, the same copies for each of its classes.
 */
public final class SmoothedMaps implements SaliencyMethod {
    private final SaliencyMethod inner;
    private final ModelAdapter model;
    private final int samples;
    private final double noiseLevel;

    public SmoothedMaps(SaliencyMethod inner, ModelAdapter model, int samples, double noiseLevel) {
        Noise.checkArguments(samples, noiseLevel);
        this.inner = inner;
        this.model = model;
        this.samples = samples;
        this.noiseLevel = noiseLevel;
    }

    /** A class the clean image's logits asked for, with its clean logit (the smoothed map's score). */
    private record Wanted(int classIndex, float score) {
    }

    @Override
    public List<Heatmap> explain(ExplainRequest request) {
        INDArray inputs = request.inputs();
        int n = (int) inputs.size(0);
        long[] shape = inputs.shape();
        float[] clean = TargetPlan.flat(inputs);
        int perImage = clean.length / n;
        List<List<Wanted>> classesOf = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            classesOf.add(new ArrayList<>());
        }
        for (TargetPlan.Round round : TargetPlan.of(model.logits(inputs), request.target()).rounds()) {
            for (int k = 0; k < round.rows().length; k++) {
                classesOf.get(round.rows()[k]).add(new Wanted(round.classes()[k], round.scores()[k]));
            }
        }
        List<Heatmap> maps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double sigma = Noise.sigma(clean, i * perImage, perImage, noiseLevel);
            for (Wanted target : classesOf.get(i)) {
                SplittableRandom noise = new SplittableRandom(request.imageSeed(i));
                float[] noisy = new float[samples * perImage];
                long[] seeds = new long[samples];
                for (int s = 0; s < samples; s++) {
                    for (int p = 0; p < perImage; p++) {
                        noisy[s * perImage + p] = (float) (clean[i * perImage + p] + sigma * Noise.gaussian(noise));
                    }
                    seeds[s] = noise.nextLong();
                }
                long[] batchShape = shape.clone();
                batchShape[0] = samples;
                List<Heatmap> copies = inner.explain(new ExplainRequest(Nd4j.create(noisy, batchShape, 'c'),
                        new Target.ClassIndex(target.classIndex()), seeds));
                maps.add(average(copies, i, target.classIndex(), target.score()));
            }
        }
        return maps;
    }

    private Heatmap average(List<Heatmap> copies, int image, int classIndex, float score) {
        Heatmap first = copies.get(0);
        float[] mean = new float[first.values().length];
        Map<String, Double> diagnostics = new HashMap<>();
        for (Heatmap copy : copies) {
            float[] v = copy.values();
            for (int p = 0; p < mean.length; p++) {
                mean[p] += v[p] / copies.size();
            }
            copy.diagnostics().forEach((key, value) -> diagnostics.merge(key, value / copies.size(), Double::sum));
        }
        return new Heatmap(image, classIndex, score, first.height(), first.width(), mean, first.signed(), diagnostics);
    }

    @Override
    public String id() {
        return SmoothGrad.ID;
    }

    @Override
    public String layer() {
        return inner.layer();
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("inner", inner.id());
        p.put("innerParameters", inner.parameters());
        p.put("samples", samples);
        p.put("noiseLevel", noiseLevel);
        p.put("averaged", "maps");
        return p;
    }
}
