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

    /**
     * A scope for {@link ResidentArray}s: where a method keeps the arrays it chains through the resident ops below, so
     * that a backend that computes elsewhere (the GPU) moves nothing to the host between ops. The default keeps them
     * on the heap; the CUDA backend keeps them in device memory, and its model pass (Heed's CUDA engine) hands its
     * captured activations and gradients to such a scope without a download.
     */
    default ArrayScope openScope() {
        return new HostArrayScope();
    }

    // The resident ops: the ops above on arrays that stay in their scope. Each is defined as its host op; the defaults
    // run exactly that (so the CPU backend's results are the host ops' to the bit), and a backend overrides them to
    // run where its arrays live. Results go into the scope of the first argument.

    /** {@link #reduceChannels(Features, ChannelReduction)} on a resident {@code [n][c][h][w]}: {@code [n][h][w]}. */
    default ResidentArray reduceChannels(ResidentArray features, ChannelReduction reduction) {
        Maps maps = reduceChannels(ResidentArrays.features(features), reduction);
        return ResidentArrays.give(features.scope(), maps.values(), maps.n(), maps.height(), maps.width());
    }

    /** {@link #channelMeans(Features)} on a resident {@code [n][c][h][w]}: {@code [n][c]}. */
    default ResidentArray channelMeans(ResidentArray features) {
        Features f = ResidentArrays.features(features);
        return ResidentArrays.give(features.scope(), channelMeans(f), f.n(), f.channels());
    }

    /** {@link #gradCamPlusPlusWeights(Features, Features)} on resident arrays: {@code [n][c]}. */
    default ResidentArray gradCamPlusPlusWeights(ResidentArray activations, ResidentArray gradients) {
        Features a = ResidentArrays.features(activations);
        return ResidentArrays.give(activations.scope(), gradCamPlusPlusWeights(a, ResidentArrays.features(gradients)), a.n(), a.channels());
    }

    /** {@link #weightedChannelSum(Features, float[], boolean)} with resident features and weights {@code [n][c]}: {@code [n][h][w]}. */
    default ResidentArray weightedChannelSum(ResidentArray features, ResidentArray weights, boolean relu) {
        Maps maps = weightedChannelSum(ResidentArrays.features(features), ResidentArrays.weights(weights), relu);
        return ResidentArrays.give(features.scope(), maps.values(), maps.n(), maps.height(), maps.width());
    }

    /** {@link #upsampleBilinear(Maps, int, int)} on resident maps {@code [n][h][w]}. */
    default ResidentArray upsampleBilinear(ResidentArray maps, int outHeight, int outWidth) {
        Maps up = upsampleBilinear(ResidentArrays.maps(maps), outHeight, outWidth);
        return ResidentArrays.give(maps.scope(), up.values(), up.n(), outHeight, outWidth);
    }

    /** The element-wise float32 product of two arrays of one shape (gradient × input). */
    default ResidentArray multiply(ResidentArray a, ResidentArray b) {
        int[] shape = a.shape();
        BackendArguments.checkSameShape("factors", shape, b.shape());
        float[] x = ResidentArrays.values(a);
        float[] y = ResidentArrays.values(b);
        float[] product = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            product[i] = x[i] * y[i];
        }
        return ResidentArrays.give(a.scope(), product, shape);
    }

    /**
     * {@code start} (zeros when null) plus each of the {@code blocks} consecutive blocks of {@code stacked}, added in
     * order in float, as repeated in-place adds would: {@code stacked} is {@code [blocks * n, ...]}, the result
     * {@code [n, ...]} (and {@code start}'s shape when given), in {@code stacked}'s scope (the start may be null).
     * Integrated Gradients sums its path steps with it, stacked in passes of many rows.
     */
    default ResidentArray sumBlocks(ResidentArray start, ResidentArray stacked, int blocks) {
        int[] shape = ResidentArrays.blockShape(stacked, blocks);
        if (start != null) {
            BackendArguments.checkSameShape("the start and a block", start.shape(), shape);
        }
        float[] s = ResidentArrays.values(stacked);
        int per = s.length / blocks;
        float[] sum = start == null ? new float[per] : ResidentArrays.values(start).clone();
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < per; i++) {
                sum[i] += s[b * per + i];
            }
        }
        return ResidentArrays.give(stacked.scope(), sum, shape);
    }

    /** {@code a / divisor}, element-wise in float (a mean from a sum). */
    default ResidentArray divide(ResidentArray a, float divisor) {
        float[] x = ResidentArrays.values(a);
        float[] q = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            q[i] = x[i] / divisor;
        }
        return ResidentArrays.give(a.scope(), q, a.shape());
    }

    /**
     * {@code copies} noisy copies of {@code clean} ({@code [n, ...]}), stacked {@code [copies * n, ...]}: copy k of image
     * i is {@code (float) (clean_i + sigma[i] * g)} per value, with {@code g} from {@link NoiseStreams#gaussian} on image
     * i's stream ({@code seeds[i]}), value p of copy k after draw {@code first + k * drawsPerCopy + 2p}. These are the
     * very values SmoothGrad's host loop draws, so the noise can be made where the batch lives.
     */
    default ResidentArray gaussianNoise(ResidentArray clean, long[] seeds, double[] sigma, long first, long drawsPerCopy, int copies) {
        int[] shape = clean.shape();
        int n = shape[0];
        BackendArguments.checkLength("seeds", seeds.length, n);
        BackendArguments.checkLength("sigma", sigma.length, n);
        float[] x = ResidentArrays.values(clean);
        int perImage = n == 0 ? 0 : x.length / n;
        if (copies < 1 || first < 0 || drawsPerCopy < 2L * perImage) {
            throw new IllegalArgumentException(copies + " noisy copies, draws from " + first + ", " + drawsPerCopy + " per copy: "
                    + "a copy needs two draws per value");
        }
        float[] out = new float[x.length * copies];
        for (int k = 0; k < copies; k++) {
            for (int i = 0; i < n; i++) {
                long after = first + k * drawsPerCopy;
                for (int p = 0; p < perImage; p++) {
                    out[(k * n + i) * perImage + p] = (float) (x[i * perImage + p] + sigma[i] * NoiseStreams.gaussian(seeds[i], after + 2L * p));
                }
            }
        }
        shape[0] = n * copies;
        return ResidentArrays.give(clean.scope(), out, shape);
    }

    /**
     * Occlusion's copies of one image {@code [1][c][h][w]}: {@code [count][c][h][w]}, copy v with the
     * {@code window x window} square at top {@code corners[v][0]}, left {@code corners[v][1]} set to {@code baseline} in
     * every channel.
     */
    default ResidentArray occlude(ResidentArray image, int[][] corners, int window, float baseline) {
        int[] shape = ResidentArrays.requireRank(image, 4, "the image");
        if (shape[0] != 1 || window < 1) {
            throw new IllegalArgumentException("occlusion takes one image and a window of at least 1, got " + java.util.Arrays.toString(shape)
                    + " and " + window);
        }
        float[] x = ResidentArrays.values(image);
        int c = shape[1];
        int h = shape[2];
        int w = shape[3];
        float[] out = new float[corners.length * x.length];
        for (int v = 0; v < corners.length; v++) {
            int offset = v * x.length;
            System.arraycopy(x, 0, out, offset, x.length);
            for (int ch = 0; ch < c; ch++) {
                for (int y = Math.max(0, corners[v][0]); y < Math.min(h, corners[v][0] + window); y++) {
                    for (int xx = Math.max(0, corners[v][1]); xx < Math.min(w, corners[v][1] + window); xx++) {
                        out[offset + (ch * h + y) * w + xx] = baseline;
                    }
                }
            }
        }
        return ResidentArrays.give(image.scope(), out, corners.length, c, h, w);
    }

    /**
     * Integrated Gradients' path points for several steps at once: {@code [k * n, ...]}, block k being
     * {@code start + delta * alphas[k]} in float (the product rounded, then the sum), as the host computes
     * {@code x' + (x - x') a} for a constant baseline {@code start}.
     */
    default ResidentArray pathPoints(ResidentArray delta, float start, float[] alphas) {
        int[] shape = delta.shape();
        if (alphas.length < 1 || shape.length == 0) {
            throw new IllegalArgumentException("path points need at least one step and a batch, got " + alphas.length + " steps of "
                    + java.util.Arrays.toString(shape));
        }
        float[] d = ResidentArrays.values(delta);
        float[] out = new float[d.length * alphas.length];
        for (int k = 0; k < alphas.length; k++) {
            for (int i = 0; i < d.length; i++) {
                out[k * d.length + i] = start + d[i] * alphas[k];
            }
        }
        shape[0] *= alphas.length;
        return ResidentArrays.give(delta.scope(), out, shape);
    }

    /** Backends may hold native resources; the CPU one holds a thread pool. */
    @Override
    void close();
}
