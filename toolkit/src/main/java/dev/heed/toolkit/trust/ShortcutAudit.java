package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds a planted shortcut with saliency: on images that carry the cue, how much of the evidence for the cue's class
 * sits inside the cue's box, for a model trained with the cue and for one trained without it. A map that can be
 * trusted puts far more mass on the cue for the shortcut model.
 */
public final class ShortcutAudit {

    /** For one method: mean energy inside the box for each model, and how often each model predicts the cue's class. */
    public record Result(String method, double cleanModelEnergy, double shortcutModelEnergy, double cleanModelPredictsClass,
                         double shortcutModelPredictsClass) {
    }

    private ShortcutAudit() {
    }

    /** @param stamped images carrying the cue, NCHW */
    public static Result run(String methodId, Function<ModelAdapter, SaliencyMethod> factory, ModelAdapter clean, ModelAdapter shortcut,
                             INDArray stamped, int cueClass, Localisation.Box box, long seed) {
        return new Result(methodId, energy(factory.apply(clean), stamped, cueClass, box, seed),
                energy(factory.apply(shortcut), stamped, cueClass, box, seed),
                predictedShare(clean, stamped, cueClass), predictedShare(shortcut, stamped, cueClass));
    }

    private static double energy(SaliencyMethod method, INDArray images, int cls, Localisation.Box box, long seed) {
        List<Heatmap> maps = method.explain(ExplainRequest.of(images, new Target.ClassIndex(cls), seed));
        return maps.stream().mapToDouble(m -> Localisation.energyInBox(m.values(), m.width(), box)).average().orElse(Double.NaN);
    }

    private static double predictedShare(ModelAdapter model, INDArray images, int cls) {
        INDArray predicted = model.logits(images).argMax(1);
        int hits = 0;
        for (int i = 0; i < predicted.length(); i++) {
            hits += predicted.getInt(i) == cls ? 1 : 0;
        }
        return hits / (double) predicted.length();
    }
}
