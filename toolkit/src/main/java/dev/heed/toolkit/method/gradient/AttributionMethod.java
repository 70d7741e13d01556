package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.ResidentArray;
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

    /**
     * An attribution kept in a backend's {@link ArrayScope} {@code [n][c][h][w]}, plus per-row diagnostics: what the
     * channel reduction reads without a trip to the host.
     */
    public record ResidentAttribution(ResidentArray values, Map<String, double[]> diagnostics) {
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

    /**
     * {@link #attribute(INDArray, int[], long[])} as an array of {@code scope}. The default computes it on the host and
     * uploads it; the methods whose attribution is the input gradient (or its product with the input) override this so
     * that, on the CUDA engine and backend, the gradient stays on the GPU until the maps are made.
     */
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        Attribution a = attribute(inputs, classes, seeds);
        return new ResidentAttribution(ModelPass.upload(a.values(), scope), a.diagnostics());
    }

    /**
     * {@link #attribute(INDArray, int[], long[], ArrayScope)} on inputs that live in {@code scope} (SmoothGrad's noisy
     * copies, made on the GPU). The default downloads them; the gradient methods override it to pass them to the model
     * where they are.
     */
    public ResidentAttribution attribute(ResidentArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        long[] shape = java.util.Arrays.stream(inputs.shape()).asLongStream().toArray();
        return attribute(org.nd4j.linalg.factory.Nd4j.create(inputs.scope().download(inputs), shape, 'c'), classes, seeds, scope);
    }

    /** How channels collapse into one map. */
    public abstract ChannelReduction reduction();

    /** The gradient of each row's chosen logit with respect to the input, in inference mode. */
    protected static INDArray inputGradient(ModelAdapter model, INDArray inputs, int[] classes) {
        try (ModelPass pass = model.forward(inputs, null)) {
            return pass.backward(TargetPlan.oneHot(classes, model.numClasses()));
        }
    }

    /** {@link #inputGradient(ModelAdapter, INDArray, int[])} handed by the pass to {@code scope}. */
    protected static ResidentArray inputGradient(ModelAdapter model, INDArray inputs, int[] classes, ArrayScope scope) {
        try (ModelPass pass = model.forward(inputs, null)) {
            return pass.backward(TargetPlan.oneHot(classes, model.numClasses()), scope);
        }
    }

    /** {@link #inputGradient(ModelAdapter, INDArray, int[], ArrayScope)} on inputs that live in {@code scope}. */
    protected static ResidentArray inputGradient(ModelAdapter model, ResidentArray inputs, int[] classes, ArrayScope scope) {
        try (ModelPass pass = model.forward(inputs, null)) {
            return pass.backward(TargetPlan.oneHot(classes, model.numClasses()), scope);
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
            float[] reduced;
            Map<String, double[]> roundDiagnostics;
            try (ArrayScope scope = backend.openScope()) {
                ResidentAttribution attribution = attribute(TargetPlan.rowsOf(inputs, rows), round.classes(), seeds, scope);
                int[] expected = {rows.length, c, h, w};
                if (!java.util.Arrays.equals(attribution.values().shape(), expected)) {
                    throw new IllegalStateException(id() + " made an attribution of shape " + java.util.Arrays.toString(attribution.values().shape())
                            + ", expected " + java.util.Arrays.toString(expected));
                }
                reduced = scope.download(backend.reduceChannels(attribution.values(), reduction()));
                roundDiagnostics = attribution.diagnostics();
            }
            for (int k = 0; k < rows.length; k++) {
                float[] one = java.util.Arrays.copyOfRange(reduced, k * h * w, (k + 1) * h * w);
                Map<String, Double> diagnostics = new HashMap<>();
                for (Map.Entry<String, double[]> e : roundDiagnostics.entrySet()) {
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
