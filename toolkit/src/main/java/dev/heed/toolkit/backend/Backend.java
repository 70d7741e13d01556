package dev.heed.toolkit.backend;

/**
 * The map maths every saliency method needs, as a dozen primitive ops over flat float arrays. Layouts are row-major:
 * feature batches are {@code [n][channels][height][width]}, map batches {@code [n][height][width]}. Every op returns a
 * new array and never writes to its arguments. The CPU backend is the reference; other backends must match it
 * (the contract tests say how closely).
 */
public interface Backend extends AutoCloseable {

    /** The id used on the command line and in provenance, e.g. {@code cpu}. */
    String id();

    /** Collapses channels: {@code [n][c][h][w] -> [n][h][w]}. */
    float[] reduceChannels(float[] features, int n, int channels, int height, int width, ChannelReduction reduction);

    /** Grad-CAM weights: the spatial mean of each channel's gradient, {@code [n][c][h][w] -> [n][c]}. */
    float[] channelMeans(float[] features, int n, int channels, int height, int width);

    /**
     * Grad-CAM++ weights {@code w_k = sum_ij alpha_kij relu(g_kij)} with
     * {@code alpha = g^2 / (2 g^2 + sum_ab A_kab g^3)} (zero where the denominator is zero), {@code [n][c]}.
     */
    float[] gradCamPlusPlusWeights(float[] activations, float[] gradients, int n, int channels, int height, int width);

    /** {@code sum_k weights[k] * features[k]}, then ReLU when asked: {@code [n][c][h][w], [n][c] -> [n][h][w]}. */
    float[] weightedChannelSum(float[] features, float[] weights, int n, int channels, int height, int width, boolean relu);

    /**
     * Bilinear resize of each map, half-pixel centres (the convention of OpenCV's {@code INTER_LINEAR} and PyTorch's
     * {@code align_corners=False}), edges clamped.
     */
    float[] upsampleBilinear(float[] maps, int n, int height, int width, int outHeight, int outWidth);

    /** Per-map minimum and maximum: {@code [n][2]}. */
    float[] minMax(float[] maps, int n, int pixels);

    /**
     * Per-map percentiles {@code [n][2]}: the {@code lowPct}-th and {@code highPct}-th percentile of each map's values,
     * numpy's default ("linear") method, values ordered as {@link java.util.Arrays#sort(float[])} orders them. The
     * order statistics are exact; the interpolation between them is {@link Percentiles#interpolate}, in double.
     */
    double[] percentiles(float[] maps, int n, int pixels, double lowPct, double highPct);

    /**
     * {@code (v - lo[i]) / (hi[i] - lo[i])} clamped to [0, 1]; zero where {@code hi == lo}. Computed as the float
     * difference times {@code 1 / (hi - lo)} in double, on every backend.
     */
    float[] normalize(float[] maps, int n, int pixels, float[] lo, float[] hi);

    /**
     * Colours normalised maps through a 256-entry lookup table of packed 8-bit RGB colours (index {@code floor(v*256)}
     * clamped to 255, matplotlib's rule) and blends them over packed-RGB images per channel:
     * {@code out = round((1-alpha) image + alpha heat)}.
     */
    int[] colorizeBlend(float[] unitMaps, int[] imagesRgb, int n, int pixels, int[] lutRgb, float alpha);

    /**
     * Scaled dot-product attention probabilities {@code softmax(q k^T * scale)} over keys, per image and head:
     * {@code q, k: [n][heads][tokens][headDim] -> [n][heads][tokens][tokens]}. Keys whose {@code keyMask} entry
     * ({@code [n][tokens]}) is zero get probability zero, as an additive mask of minus infinity would give;
     * {@code keyMask} may be null (every key valid).
     */
    float[] attentionProbabilities(float[] q, float[] k, float[] keyMask, int n, int heads, int tokens, int headDim,
                                   float scale);

    /** Fuses heads: {@code [n][heads][tokens][tokens] -> [n][tokens][tokens]}. */
    float[] fuseHeads(float[] attention, int n, int heads, int tokens, HeadFusion fusion);

    /**
     * Chains per-layer token-mixing matrices from the first layer up, {@code [n][layers][tokens][tokens] ->
     * [n][tokens][tokens]}: each layer's matrix {@code A} first loses its smallest {@code discardRatio} fraction of
     * off-diagonal entries (set to zero), then becomes {@code M = A + I}; with {@code renormalise} each row of
     * {@code M} is divided by its sum (Abnar &amp; Zuidema's rollout, {@code (A + I) / 2} for row-stochastic
     * {@code A}); without it {@code M} is used as is (Chefer et al.'s {@code R <- R + A R}). The result is
     * {@code M_last ... M_first}.
     */
    float[] rollout(float[] layers, int n, int layerCount, int tokens, float discardRatio, boolean renormalise);

    /**
     * The whole overlay of a batch: each {@code height x width} map upsampled to {@code outHeight x outWidth},
     * normalised over {@code [lo[i], hi[i]]} (or, where {@code lo} and {@code hi} are null, over its own upsampled
     * minimum and maximum), coloured and blended over its image ({@code [n][outHeight * outWidth]} packed RGB).
     * Defined as {@link #upsampleBilinear}, ({@link #minMax},) {@link #normalize} and {@link #colorizeBlend} in turn; a
     * backend may fuse them (the CUDA one does, and streams the batch through the GPU in chunks) but must give the
     * same pixels within one level.
     */
    default int[] overlay(float[] maps, int n, int height, int width, int[] imagesRgb, int outHeight, int outWidth, float[] lo,
                          float[] hi, int[] lutRgb, float alpha) {
        BackendArguments.checkOverlay(maps, n, height, width, imagesRgb, outHeight, outWidth, lo, hi, lutRgb, alpha);
        int pixels = outHeight * outWidth;
        float[] up = upsampleBilinear(maps, n, height, width, outHeight, outWidth);
        float[] low = lo;
        float[] high = hi;
        if (lo == null) {
            float[] range = minMax(up, n, pixels);
            low = new float[n];
            high = new float[n];
            for (int i = 0; i < n; i++) {
                low[i] = range[2 * i];
                high[i] = range[2 * i + 1];
            }
        }
        return colorizeBlend(normalize(up, n, pixels, low, high), imagesRgb, n, pixels, lutRgb, alpha);
    }

    /** Backends may hold native resources; the CPU one holds a thread pool. */
    @Override
    void close();
}
