package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.Features;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the methods that attribute a class score to input pixels: a subclass computes a per-channel attribution in
 * input space ({@link #attribute}); this class resolves targets, batches the backward passes and collapses channels on
 * the backend.
 */
public abstract class AttributionMethod implements SaliencyMethod {

    /** A per-channel attribution {@code [n][c][h][w]} plus per-row diagnostics (key to one value per row). */
    public record Attribution(INDArray values, Map<String, double[]> diagnostics) {
    }

    protected final ModelAdapter model;
    protected final Backend backend;

    protected AttributionMethod(ModelAdapter model, Backend backend) {
        this.model = model;
        this.backend = backend;
    }

    public ModelAdapter model() {
        return model;
    }

    public Backend backend() {
        return backend;
    }

    /** Attribution of {@code classes[i]}'s logit for row i of {@code inputs}; must not modify {@code inputs}. */
    public abstract Attribution attribute(INDArray inputs, int[] classes, long[] seeds);

    /** How channels collapse into one map. */
    public abstract ChannelReduction reduction();

    /** The gradient of each row's chosen logit with respect to the input, in inference mode. */
    protected static INDArray inputGradient(ModelAdapter model, INDArray inputs, int[] classes) {
        try (ModelPass pass = model.forward(inputs, null)) {
            return pass.backward(TargetPlan.oneHot(classes, model.numClasses()));
        }
    }

    @Override
    public final List<Heatmap> explain(ExplainRequest request) {
        INDArray inputs = request.inputs();
        int[] shape = model.inputShape();
        int c = shape[0];
        int h = shape[1];
        int w = shape[2];
        TargetPlan plan = TargetPlan.of(model.logits(inputs), request.target());
        List<Heatmap> maps = new ArrayList<>();
        for (TargetPlan.Round round : plan.rounds()) {
            int[] rows = round.rows();
            long[] seeds = new long[rows.length];
            for (int k = 0; k < rows.length; k++) {
                seeds[k] = request.imageSeed(rows[k]);
            }
            Attribution attribution = attribute(TargetPlan.rowsOf(inputs, rows), round.classes(), seeds);
            Maps reduced = backend.reduceChannels(new Features(TargetPlan.flat(attribution.values()), rows.length, c, h, w), reduction());
            for (int k = 0; k < rows.length; k++) {
                float[] one = reduced.map(k);
                Map<String, Double> diagnostics = new HashMap<>();
                for (Map.Entry<String, double[]> e : attribution.diagnostics().entrySet()) {
                    diagnostics.put(e.getKey(), e.getValue()[k]);
                }
                maps.add(new Heatmap(rows[k], round.classes()[k], round.scores()[k], h, w, one, signed(), diagnostics));
            }
        }
        maps.sort(Comparator.comparingInt(Heatmap::imageIndex));
        return maps;
    }

    /** Signed maps keep negative evidence; only a signed reduction can produce them. */
    public boolean signed() {
        return reduction() == ChannelReduction.SUM;
    }
}
