package dev.heed.toolkit.engine;

/** How a backward pass crosses the plan's ReLU ops (leaky ReLUs and other functions are never modified). */
public enum ReluGradient {
    /** The derivative: the gradient passes where the ReLU's input was positive. */
    STANDARD,
    /**
     * Guided backprop (Springenberg et al., 2015): only positive gradients pass, and only where the input was positive.
     * The forward pass is unchanged.
     */
    GUIDED
}
