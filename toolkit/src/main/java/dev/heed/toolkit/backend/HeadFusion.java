package dev.heed.toolkit.backend;

/** How the heads of one attention layer become one token-mixing matrix. */
public enum HeadFusion {
    /** The average over heads (Abnar &amp; Zuidema's choice for rollout). */
    MEAN,
    /** The element-wise maximum over heads. */
    MAX,
    /** The element-wise minimum over heads. */
    MIN,
    /**
     * The average over heads of {@code max(0, x)}; for gradient-times-attention inputs this is Chefer et al.'s
     * {@code E_h[(grad A * A)+]}.
     */
    MEAN_OF_POSITIVE;

    /** The id used on the command line. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
