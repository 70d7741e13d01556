package dev.heed.toolkit.engine.plan;

/**
 * The element-wise functions a plan may hold. Identity never appears as an op (the compiler aliases the tensor), and
 * softmax never appears at all: at the output it is dropped because scores are logits, elsewhere it is unsupported.
 */
public enum ActivationKind {
    /** {@code max(0, x)}; its derivative at 0 is taken as 0, as DL4J does. */
    RELU,
    /** {@code x} for {@code x > 0}, {@code alpha x} otherwise. */
    LEAKY_RELU,
    SIGMOID,
    TANH
}
