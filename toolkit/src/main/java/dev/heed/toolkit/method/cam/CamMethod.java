package dev.heed.toolkit.method.cam;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
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

    /** Channel weights {@code [n][k]} from activations and gradients, both {@code [n][k][h][w]}. */
    protected abstract float[] channelWeights(float[] activations, float[] gradients, int n, int k, int h, int w);

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
        TargetPlan plan = TargetPlan.of(model.logits(inputs), request.target());
        List<Heatmap> maps = new ArrayList<>();
        for (TargetPlan.Round round : plan.rounds()) {
            int n = round.rows().length;
            float[] activations;
            float[] gradients;
            long[] shape;
            try (ModelPass pass = model.forward(TargetPlan.rowsOf(inputs, round.rows()), layer)) {
                INDArray captured = pass.captured();
                shape = captured.shape();
                activations = TargetPlan.flat(captured);
                gradients = TargetPlan.flat(pass.backward(TargetPlan.oneHot(round.classes(), model.numClasses())));
            }
            int k = (int) shape[1];
            int h = (int) shape[2];
            int w = (int) shape[3];
            float[] weights = channelWeights(activations, gradients, n, k, h, w);
            float[] cams = backend.weightedChannelSum(activations, weights, n, k, h, w, true);
            float[] upsampled = backend.upsampleBilinear(cams, n, h, w, height, width);
            for (int i = 0; i < n; i++) {
                float[] one = new float[height * width];
                System.arraycopy(upsampled, i * height * width, one, 0, one.length);
                maps.add(new Heatmap(round.rows()[i], round.classes()[i], round.scores()[i], height, width, one, false,
                        Map.of("layerHeight", (double) h, "layerWidth", (double) w)));
            }
        }
        maps.sort(Comparator.comparingInt(Heatmap::imageIndex));
        return maps;
    }
}
