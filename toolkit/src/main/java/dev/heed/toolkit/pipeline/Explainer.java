package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.model.ModelCard;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The explain stage: a batch of inputs to maps, one seed per image from the base seed and the file's stem (so batch
 * size and order change no map), and failures isolated to the image that caused them: a batch that throws is explained
 * again image by image, and an image with a NaN or infinite map loses all its maps.
 */
public final class Explainer {
    private final SaliencyMethod method;
    private final ModelCard card;
    private final Target target;
    private final long seed;

    public Explainer(SaliencyMethod method, ModelCard card, Target target, long seed) {
        this.method = method;
        this.card = card;
        this.target = target;
        this.seed = seed;
    }

    /** What a batch gave: the inputs explained (the maps' image indexes point into it), their maps, and the failures. */
    public record Result(List<ImageInput> inputs, List<Heatmap> maps, List<Failure> failures) {
    }

    public Result explain(List<ImageInput> batch) {
        List<Failure> failures = new ArrayList<>();
        List<ImageInput> inputs = batch;
        List<Heatmap> maps;
        try {
            maps = method.explain(requestFor(batch));
        } catch (RuntimeException batchError) {
            // Find the culprit: explain one by one; seeds are per image, so the maps are the same either way.
            maps = new ArrayList<>();
            List<ImageInput> survivors = new ArrayList<>();
            for (ImageInput in : batch) {
                try {
                    for (Heatmap h : method.explain(requestFor(List.of(in)))) {
                        maps.add(new Heatmap(survivors.size(), h.classIndex(), h.score(), h.height(), h.width(), h.values(), h.signed(),
                                h.diagnostics()));
                    }
                    survivors.add(in);
                } catch (RuntimeException e) {
                    failures.add(new Failure(in.file(), in.file() + ": " + method.id() + " failed (" + e.getMessage() + ")"));
                }
            }
            inputs = survivors;
        }
        Set<Integer> nonFinite = new HashSet<>();
        for (Heatmap map : maps) {
            if (!isFinite(map.values()) && nonFinite.add(map.imageIndex())) {
                ImageInput in = inputs.get(map.imageIndex());
                failures.add(new Failure(in.file(), in.file() + ": " + method.id() + " produced NaN or infinite values for class "
                        + map.classIndex()));
            }
        }
        List<Heatmap> finite = maps.stream().filter(m -> !nonFinite.contains(m.imageIndex())).toList();
        return new Result(inputs, finite, failures);
    }

    private ExplainRequest requestFor(List<ImageInput> inputs) {
        long[] seeds = inputs.stream().mapToLong(in -> imageSeed(in.stem())).toArray();
        return new ExplainRequest(ImageInput.stack(inputs.stream().map(ImageInput::values).toList(), card), target, seeds);
    }

    /** Depends on the base seed and the file's name only, so batch size and order do not change any map. */
    public long imageSeed(String stem) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (char ch : stem.toCharArray()) {
            h = (h ^ ch) * 0x100000001B3L;
        }
        return h;
    }

    private static boolean isFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
