package dev.heed.toolkit.method.cam;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The class-activation-map pipeline: capture a layer's activations A and the gradient G of the class score at that
 * layer (the backward pass stops there), then weights from A and G (the one step a subclass supplies), the weighted
 * channel sum, ReLU, and bilinear upsampling to the input size. Maps are raw; normalising is the renderer's job.
 */
public abstract class CamMethod implements SaliencyMethod {
    protected final ModelAdapter model;
    protected final Backend backend;
    private final String layer;

    /** @param layer a layer with a spatial output, or null for the model's last one */
    protected CamMethod(ModelAdapter model, Backend backend, String layer) {
        this.model = model;
        this.backend = backend;
        this.layer = layer == null ? model.defaultCamLayer() : model.requireSpatialLayer(layer);
    }

    /** Channel weights {@code [n][k]} from activations and gradients, both {@code [n][k][h][w]}, on the backend. */
    protected abstract ResidentArray channelWeights(ResidentArray activations, ResidentArray gradients);

    @Override
    public String layer() {
        return layer;
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("layer", layer);
    }

    @Override
    public final List<Heatmap> explain(ExplainRequest request) {
        INDArray inputs = request.inputs();
        int height = model.inputShape()[1];
        int width = model.inputShape()[2];
        // One forward pass of the whole batch gives the targets (from its own logits) and serves the first round that
        // covers every image in order, as top-1 does: the batch is not run twice. A pass takes one backward, so any
        // further round runs its own.
        ModelPass whole = model.forward(inputs, layer);
        boolean wholeTaken = false;
        List<Heatmap> maps = new ArrayList<>();
        try {
            TargetPlan plan = TargetPlan.of(whole.logits(), request.target());
            for (TargetPlan.Round round : plan.rounds()) {
                boolean reuse = !wholeTaken && coversInOrder(round.rows(), (int) inputs.size(0));
                wholeTaken |= reuse;
                maps.addAll(mapsOf(round, reuse ? whole : model.forward(TargetPlan.rowsOf(inputs, round.rows()), layer), height, width));
            }
        } finally {
            if (!wholeTaken) {
                whole.close();
            }
        }
        maps.sort(Comparator.comparingInt(Heatmap::imageIndex));
        return maps;
    }

    private static boolean coversInOrder(int[] rows, int batch) {
        if (rows.length != batch) {
            return false;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /**
     * The round's maps from {@code forward}, a pass over exactly its rows, which this closes. The captured activations
     * and their gradient go from the pass into a scope of the backend, the map ops chain there, and only the upsampled
     * maps come back: on the CUDA engine and backend nothing else leaves the GPU.
     */
    private List<Heatmap> mapsOf(TargetPlan.Round round, ModelPass forward, int height, int width) {
        List<Heatmap> maps = new ArrayList<>();
        int n = round.rows().length;
        int h;
        int w;
        float[] upsampled;
        try (ArrayScope scope = backend.openScope(); ModelPass pass = forward) {
            ResidentArray activations = pass.captured(scope);
            ResidentArray gradients = pass.backward(TargetPlan.oneHot(round.classes(), model.numClasses()), scope);
            int[] shape = activations.shape();
            h = shape[2];
            w = shape[3];
            ResidentArray cams = backend.weightedChannelSum(activations, channelWeights(activations, gradients), true);
            upsampled = scope.download(backend.upsampleBilinear(cams, height, width));
        }
        int pixels = height * width;
        for (int i = 0; i < n; i++) {
            float[] one = java.util.Arrays.copyOfRange(upsampled, i * pixels, (i + 1) * pixels);
            maps.add(new Heatmap(round.rows()[i], round.classes()[i], round.scores()[i], height, width, one, false,
                    Map.of("layerHeight", (double) h, "layerWidth", (double) w)));
        }
        return maps;
    }
}
