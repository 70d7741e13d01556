package dev.heed.toolkit.backend;

/**
 * The map maths every saliency method needs, as a dozen primitive ops over batch values: {@link Features}
 * {@code [n][channels][height][width]}, {@link Maps} {@code [n][height][width]}, {@link RgbImages} of packed RGB,
 * {@link HeadVectors} and {@link TokenMatrices} for attention. Each value checks its own shape when it is made; an op
 * checks only how its arguments fit together. Every op returns new arrays and never writes to its arguments. The CPU
 * backend is the reference; other backends must match it (the contract tests say how closely).
 */
public interface Backend extends AutoCloseable {

    /** The id used on the command line and in provenance, e.g. {@code cpu}. */
    String id();

    /** Collapses channels: {@code [n][c][h][w] -> [n][h][w]}. */
    Maps reduceChannels(Features features, ChannelReduction reduction);

    /** Grad-CAM weights: the spatial mean of each channel's gradient, {@code [n][c][h][w] -> [n][c]}. */
    float[] channelMeans(Features features);

    /**
     * Grad-CAM++ weights {@code w_k = sum_ij alpha_kij relu(g_kij)} with
     * {@code alpha = g^2 / (2 g^2 + sum_ab A_kab g^3)} (zero where the denominator is zero), {@code [n][c]};
     * activations and gradients have one shape.
     */
    float[] gradCamPlusPlusWeights(Features activations, Features gradients);

    /** {@code sum_k weights[k] * features[k]}, then ReLU when asked: {@code [n][c][h][w], [n][c] -> [n][h][w]}. */
    Maps weightedChannelSum(Features features, float[] weights, boolean relu);

    /**
     * Bilinear resize of each map to {@code outHeight x outWidth}, half-pixel centres (the convention of OpenCV's
     * {@code INTER_LINEAR} and PyTorch's {@code align_corners=False}), edges clamped.
     */
    Maps upsampleBilinear(Maps maps, int outHeight, int outWidth);

    /** Per-map minimum and maximum: {@code [n][2]}. */
    float[] minMax(Maps maps);

    /**
     * Per-map percentiles {@code [n][2]}: the {@code lowPct}-th and {@code highPct}-th percentile of each map's values,
     * numpy's default ("linear") method, values ordered as {@link java.util.Arrays#sort(float[])} orders them. The
     * order statistics are exact; the interpolation between them is {@link Percentiles#interpolate}, in double.
     */
    double[] percentiles(Maps maps, double lowPct, double highPct);

    /**
     * {@code (v - lo[i]) / (hi[i] - lo[i])} clamped to [0, 1]; zero where {@code hi == lo}. Computed as the float
     * difference times {@code 1 / (hi - lo)} in double, on every backend. An {@linkplain MapRange#own() own} range is
     * each map's {@link #minMax}.
     */
    Maps normalize(Maps maps, MapRange range);

    /**
     * Colours normalised maps through the blend's lookup table and blends them over images of the same size:
     * {@code out = round((1-alpha) image + alpha heat)} per channel.
     */
    RgbImages colorizeBlend(Maps unitMaps, RgbImages images, Blend blend);

    /**
     * Scaled dot-product attention probabilities {@code softmax(q k^T * scale)} over keys, per image and head:
     * {@code q, k: [n][heads][tokens][dim] -> [n][heads][tokens][tokens]}. Keys the mask marks invalid get probability
     * zero, as an additive mask of minus infinity would give.
     */
    TokenMatrices attentionProbabilities(HeadVectors q, HeadVectors k, KeyMask keyMask, float scale);

    /** Fuses heads: {@code [n][heads][tokens][tokens] -> [n][1][tokens][tokens]}. */
    TokenMatrices fuseHeads(TokenMatrices heads, HeadFusion fusion);

    /**
     * Chains per-layer token-mixing matrices from the first layer up, {@code [n][layers][tokens][tokens] ->
     * [n][1][tokens][tokens]}: each layer's matrix {@code A} first loses its smallest {@code discardRatio} fraction of
     * off-diagonal entries (set to zero), then becomes {@code M = A + I}; with {@code renormalise} each row of
     * {@code M} is divided by its sum (Abnar &amp; Zuidema's rollout, {@code (A + I) / 2} for row-stochastic
     * {@code A}); without it {@code M} is used as is (Chefer et al.'s {@code R <- R + A R}). The result is
     * {@code M_last ... M_first}.
     */
    TokenMatrices rollout(TokenMatrices layers, float discardRatio, boolean renormalise);

    /**
     * The whole overlay of a batch: each map upsampled to its image's size, normalised over the range (given, or its
     * own upsampled minimum and maximum), coloured and blended over its image. Defined as {@link #upsampleBilinear},
     * {@link #normalize} and {@link #colorizeBlend} in turn; a backend may fuse them (the CPU and CUDA ones do, and
     * the CUDA one streams the batch through the GPU in chunks) but must give the same pixels within one level.
     */
    default RgbImages overlay(Maps maps, RgbImages images, MapRange range, Blend blend) {
        BackendArguments.checkOverlay(maps, images, range);
        Maps up = upsampleBilinear(maps, images.height(), images.width());
        return colorizeBlend(normalize(up, range), images, blend);
    }

    /** Backends may hold native resources; the CPU one holds a thread pool. */
    @Override
    void close();
}
