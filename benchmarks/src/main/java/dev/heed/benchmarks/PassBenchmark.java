package dev.heed.benchmarks;

import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.ModelPass;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Heed's side of the saliency-pass comparisons: an inference-mode input gradient, a Grad-CAM pass that stops at the
 * CAM layer, and the inference forward alone. Subclasses set the state up and add DL4J's own calls beside these.
 */
public abstract class PassBenchmark {
    protected Dl4jModel model;
    protected INDArray inputs;
    protected INDArray oneHot;
    protected String camLayer;

    @Benchmark
    public INDArray heedInputGradient() {
        try (ModelPass pass = model.forward(inputs, null)) {
            return pass.backward(oneHot);
        }
    }

    @Benchmark
    public INDArray heedGradCamLayerGradient() {
        try (ModelPass pass = model.forward(inputs, camLayer)) {
            return pass.backward(oneHot);
        }
    }

    @Benchmark
    public INDArray heedInferenceForward() {
        return model.logits(inputs);
    }
}
