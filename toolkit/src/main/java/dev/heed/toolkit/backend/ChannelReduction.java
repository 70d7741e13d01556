package dev.heed.toolkit.backend;

/** How a per-channel input-space attribution becomes one value per pixel. */
public enum ChannelReduction {
    /** {@code max_c |v|}: Simonyan et al.'s saliency map. */
    MAX_ABS,
    /** {@code sum_c |v|}. */
    SUM_ABS,
    /** {@code sum_c v}: keeps the sign, as attribution methods with a completeness property need. */
    SUM,
    /** {@code sqrt(sum_c v^2)}. */
    L2
}
