package dev.heed.toolkit.engine.plan;

/**
 * The element-wise functions a plan may hold. Identity never appears as an op (the compiler aliases the tensor), and
 * softmax is not an activation: at a classifier's output it is dropped because scores are logits; inside a transformer
 * it is its own op ({@code Op.Softmax}, over the last axis).
 *
 * <p>Derivatives at the kinks follow PyTorch, whose exports these come from, so that gradients match torch's exactly
 * wherever an input lands on a kink (ReLU6 after a zero-initialised layer, say).
 */
public enum ActivationKind {
    /** {@code max(0, x)}; its derivative at 0 is taken as 0, as DL4J and torch do. */
    RELU,
    /** {@code x} for {@code x > 0}, {@code alpha x} otherwise. */
    LEAKY_RELU,
    SIGMOID,
    TANH,
    /**
     * {@code min(max(x, alpha), beta)}: ONNX Clip with a minimum {@code alpha} and maximum {@code beta} (ReLU6 is 0..6).
     * The derivative is 1 strictly inside {@code (alpha, beta)} and 0 at and beyond either bound, as torch's ReLU6 and
     * hardtanh give (torch.clamp's own backward would pass the gradient at the bounds; torchvision uses ReLU6).
     */
    CLIP,
    /**
     * {@code max(0, min(1, alpha x + beta))}, ONNX HardSigmoid (torch's hardsigmoid is alpha 1/6, beta 1/2). The
     * derivative is {@code alpha} strictly inside the linear part and 0 at and beyond its ends, as torch's.
     */
    HARD_SIGMOID,
    /**
     * {@code x * min(max(x + 3, 0), 6) / 6}, ONNX HardSwish and torch's hardswish. The derivative is 0 below -3,
     * {@code x / 3 + 1/2} on [-3, 3] (both ends included, so -1/2 at -3 and 3/2 at 3, as torch's backward computes), 1
     * above. It is the one kind whose derivative does not follow from its output: executors need its input.
     */
    HARD_SWISH,
    /**
     * The exact GELU, {@code x/2 (1 + erf(x / sqrt 2))}, as BERT, ViT and Heed's {@code EncoderGraph} use it (not the
     * tanh approximation). Its derivative {@code Phi(x) + x phi(x)} needs the input.
     */
    GELU;

    /** Whether the derivative follows from the output alone (every kind but {@link #HARD_SWISH} and {@link #GELU}). */
    public boolean gradientFromOutput() {
        return this != HARD_SWISH && this != GELU;
    }
}
