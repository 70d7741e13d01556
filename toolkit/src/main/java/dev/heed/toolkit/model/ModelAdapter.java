package dev.heed.toolkit.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A classifier that saliency methods can look inside: inference-mode forward passes that capture one layer, and
 * backward passes of the class scores (logits) that stop at that layer. Implementations serialise passes: a pass holds
 * the model's per-layer state until it is closed.
 */
public interface ModelAdapter extends AutoCloseable {

    /** Input shape {@code [channels, height, width]}. */
    int[] inputShape();

    int numClasses();

    /** Layers with a spatial (rank-4) output, in forward order: the candidates for CAM methods. */
    List<String> spatialLayers();

    /** The last spatial layer: the default CAM layer. */
    default String defaultCamLayer() {
        List<String> layers = spatialLayers();
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the model has no layer with a spatial output, so CAM methods cannot run");
        }
        return layers.get(layers.size() - 1);
    }

    /** Checks a layer name, naming the candidates when it is unknown. */
    default String requireSpatialLayer(String name) {
        if (!spatialLayers().contains(name)) {
            throw new IllegalArgumentException("unknown layer '" + name + "'; layers with a spatial output: " + String.join(", ", spatialLayers()));
        }
        return name;
    }

    /** Logits {@code [n][classes]} in inference mode. Does not modify {@code inputs}. */
    INDArray logits(INDArray inputs);

    /**
     * Runs an inference-mode forward pass, capturing the output of {@code captureLayer} (or nothing when it is null).
     * The caller closes the pass.
     */
    ModelPass forward(INDArray inputs, String captureLayer);

    /**
     * How many input rows one pass should hold to keep the executor busy, for methods that run many passes over one
     * batch: Integrated Gradients stacks its path steps into passes of about this many rows. 0 (the default, and the
     * CPU engines'): one batch per pass, since a bigger pass is not faster there and needs more memory.
     */
    default int preferredPassRows() {
        return 0;
    }

    /**
     * {@link #forward(INDArray, String)} on inputs {@code [n, c, h, w]} that live in a backend's scope. The default
     * downloads them; Heed's CUDA engine reads them on the device when the scope is on its GPU.
     */
    default ModelPass forward(dev.heed.toolkit.backend.ResidentArray inputs, String captureLayer) {
        long[] shape = java.util.Arrays.stream(inputs.shape()).asLongStream().toArray();
        return forward(org.nd4j.linalg.factory.Nd4j.create(inputs.scope().download(inputs), shape, 'c'), captureLayer);
    }

    /** A twin whose ReLUs pass back only positive gradients where their input was positive (guided backprop). */
    ModelAdapter guided();

    /** A short hash of the weights and configuration, recorded in provenance. */
    String fingerprint();

    /** What the model is, in one line: type, layers, parameters. */
    String describe();

    /** Releases native memory the adapter holds for passes; the adapter must not be used afterwards. */
    @Override
    void close();
}
