package dev.heed.kernels;

/**
 * Typed launches of the map and attention kernels ({@code map_ops.cu}, {@code attention.cu}, {@code select.cu}): what
 * the toolkit's CUDA backend calls, one method per kernel, and the only place that names those kernels and lists
 * their arguments. Shapes are checked here, in Java, against the buffers' sizes before anything reaches the device,
 * so a mistake is an {@link IllegalArgumentException} naming the shapes, never a read past an allocation. Layouts:
 * feature batches {@code [n][c][plane]}, map batches {@code [n][pixels]}, row-major float32; colours packed
 * {@code 0xRRGGBB} in int32.
 *
 * <p>A facade made with {@link #MapKernels(CudaDevice)} runs each kernel and waits for it (as {@link CudaDevice#launch}
 * does); one made with {@link #on(CudaStream)} queues the kernels on that stream, and errors surface at the stream's
 * next {@code await}.
 */
public final class MapKernels {
    private static final int THREADS = 256;
    /** attention_probabilities' block: its reductions need a power of two. */
    private static final int ATTENTION_THREADS = 128;
    /** batched_matmul's tile side, fixed in attention.cu. */
    private static final int TILE = 16;
    /** The dynamic shared memory a block may use without opting in. */
    private static final int SHARED_LIMIT = 48 * 1024;

    /** How {@link #reduceChannels} collapses channels; codes as in {@code map_ops.cu}. */
    public enum Reduction {
        MAX_ABS(0), SUM_ABS(1), SUM(2), L2(3);

        final int code;

        Reduction(int code) {
            this.code = code;
        }
    }

    /** How {@link #fuseHeads} combines heads; codes as in {@code attention.cu}. */
    public enum Fusion {
        MEAN(0), MAX(1), MIN(2), MEAN_OF_POSITIVE(3);

        final int code;

        Fusion(int code) {
            this.code = code;
        }
    }

    /** Where a launch goes: the device (run and wait) or a stream (queue). */
    @FunctionalInterface
    private interface Launcher {
        void launch(String kernel, int[] grid, int[] block, int sharedBytes, KernelArguments arguments, String shapes);
    }

    private final Launcher launcher;

    /** Kernels that run at once and wait, on the device's default stream. */
    public MapKernels(CudaDevice device) {
        this.launcher = device::launch;
    }

    private MapKernels(Launcher launcher) {
        this.launcher = launcher;
    }

    /** The same kernels, queued on {@code stream} instead of waited for. */
    public static MapKernels on(CudaStream stream) {
        return new MapKernels(stream::launch);
    }

    /** {@code [n][channels][plane] -> [n][plane]}. */
    public void reduceChannels(DeviceBuffer features, DeviceBuffer out, int n, int channels, int plane, Reduction reduction) {
        String shapes = "reduce channels [" + n + "][" + channels + "][" + plane + "]";
        checkCounts(shapes, n, channels, plane);
        requireFloats(features, (long) n * channels * plane, "features", shapes);
        requireFloats(out, (long) n * plane, "output", shapes);
        launcher.launch("reduce_channels", grid((long) n * plane), block(), 0, new KernelArguments().pointer(features).pointer(out)
                .int32(n).int32(channels).int32(plane).int32(reduction.code), shapes);
    }

    /** The spatial mean of each channel, {@code [n][channels][plane] -> [n][channels]}; one block per (image, channel). */
    public void channelMeans(DeviceBuffer features, DeviceBuffer out, int n, int channels, int plane) {
        String shapes = "channel means [" + n + "][" + channels + "][" + plane + "]";
        checkCounts(shapes, n, channels, plane);
        requireFloats(features, (long) n * channels * plane, "features", shapes);
        requireFloats(out, (long) n * channels, "output", shapes);
        launcher.launch("channel_means", new int[] {blocks((long) n * channels, shapes), 1, 1}, block(), THREADS * Float.BYTES,
                new KernelArguments().pointer(features).pointer(out).int32(plane), shapes);
    }

    /** Grad-CAM++'s channel weights from activations and gradients, both {@code [n][channels][plane]}, into {@code [n][channels]}. */
    public void gradCamPlusPlusWeights(DeviceBuffer activations, DeviceBuffer gradients, DeviceBuffer out, int n, int channels, int plane) {
        String shapes = "Grad-CAM++ weights [" + n + "][" + channels + "][" + plane + "]";
        checkCounts(shapes, n, channels, plane);
        requireFloats(activations, (long) n * channels * plane, "activations", shapes);
        requireFloats(gradients, (long) n * channels * plane, "gradients", shapes);
        requireFloats(out, (long) n * channels, "output", shapes);
        launcher.launch("gradcampp_weights", new int[] {blocks((long) n * channels, shapes), 1, 1}, block(), THREADS * Float.BYTES,
                new KernelArguments().pointer(activations).pointer(gradients).pointer(out).int32(plane), shapes);
    }

    /** {@code sum_c weights[c] * features[c]}, ReLU when asked: {@code [n][channels][plane], [n][channels] -> [n][plane]}. */
    public void weightedChannelSum(DeviceBuffer features, DeviceBuffer weights, DeviceBuffer out, int n, int channels, int plane,
                                   boolean relu) {
        String shapes = "weighted channel sum [" + n + "][" + channels + "][" + plane + "]";
        checkCounts(shapes, n, channels, plane);
        requireFloats(features, (long) n * channels * plane, "features", shapes);
        requireFloats(weights, (long) n * channels, "weights", shapes);
        requireFloats(out, (long) n * plane, "output", shapes);
        launcher.launch("weighted_channel_sum", grid((long) n * plane), block(), 0, new KernelArguments().pointer(features)
                .pointer(weights).pointer(out).int32(n).int32(channels).int32(plane).int32(relu ? 1 : 0), shapes);
    }

    /** Half-pixel bilinear resize, {@code [n][height][width] -> [n][outHeight][outWidth]}. */
    public void upsampleBilinear(DeviceBuffer maps, DeviceBuffer out, int n, int height, int width, int outHeight, int outWidth) {
        String shapes = "upsample [" + n + "][" + height + "][" + width + "] -> " + outHeight + "x" + outWidth;
        checkResize(shapes, n, height, width, outHeight, outWidth);
        requireFloats(maps, (long) n * height * width, "maps", shapes);
        requireFloats(out, (long) n * outHeight * outWidth, "output", shapes);
        launcher.launch("upsample_bilinear", grid((long) n * outHeight * outWidth), block(), 0, new KernelArguments().pointer(maps)
                .pointer(out).int32(n).int32(height).int32(width).int32(outHeight).int32(outWidth), shapes);
    }

    /**
     * {@code out = start + stacked[0] + ... + stacked[blocks - 1]}, each block {@code perBlock} floats, added in order in
     * float; {@code start} may be null (zeros).
     */
    public void sumBlocks(DeviceBuffer start, DeviceBuffer stacked, DeviceBuffer out, long perBlock, int blocks) {
        String shapes = "sum of " + blocks + " blocks of " + perBlock;
        if (perBlock < 1 || blocks < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        if (start != null) {
            requireFloats(start, perBlock, "start", shapes);
        }
        requireFloats(stacked, perBlock * blocks, "stacked", shapes);
        requireFloats(out, perBlock, "output", shapes);
        launcher.launch("sum_blocks", grid(perBlock), block(), 0, new KernelArguments().pointer(start == null ? stacked : start)
                .pointer(stacked).pointer(out).int64(perBlock).int32(blocks).int32(start == null ? 0 : 1), shapes);
    }

    /** {@code out = a / divisor}, element-wise, correctly rounded. */
    public void divide(DeviceBuffer a, DeviceBuffer out, long total, float divisor) {
        String shapes = "division of " + total + " by " + divisor;
        if (total < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(a, total, "a", shapes);
        requireFloats(out, total, "output", shapes);
        launcher.launch("divide_by", grid(total), block(), 0, new KernelArguments().pointer(a).pointer(out).int64(total).float32(divisor), shapes);
    }

    /**
     * {@code copies} noisy copies of {@code n} images of {@code perImage} floats, {@code [copies][n][perImage]}: image i
     * plus {@code sigma[i]} times standard Gaussians from its SplittableRandom stream ({@code seeds}, int64 per image),
     * copy k starting after draw {@code first + k * perCopy}. {@code sigma} holds one double per image.
     */
    public void gaussianNoise(DeviceBuffer clean, DeviceBuffer out, DeviceBuffer seeds, DeviceBuffer sigma, long perImage, int n,
                              long first, long perCopy, int copies) {
        String shapes = copies + " noisy copies of [" + n + "][" + perImage + "]";
        if (perImage < 1 || n < 1 || copies < 1 || first < 0 || perCopy < 2 * perImage) {
            throw new IllegalArgumentException("invalid " + shapes + " (draws from " + first + ", " + perCopy + " per copy)");
        }
        requireFloats(clean, perImage * n, "clean", shapes);
        requireFloats(out, perImage * n * copies, "output", shapes);
        requireFloats(seeds, 2L * n, "seeds", shapes);
        requireFloats(sigma, 2L * n, "sigma", shapes);
        launcher.launch("gaussian_noise", grid(perImage * n * copies), block(), 0, new KernelArguments().pointer(clean).pointer(out)
                .pointer(seeds).pointer(sigma).int64(perImage).int32(n).int64(first).int64(perCopy).int32(copies), shapes);
    }

    /**
     * {@code count} copies of one image {@code [channels][height][width]}, copy v with the {@code window x window}
     * square whose top-left corner is {@code corners[2v], corners[2v + 1]} (int32) set to {@code baseline}.
     */
    public void occlude(DeviceBuffer image, DeviceBuffer out, DeviceBuffer corners, int channels, int height, int width, int window,
                        float baseline, int count) {
        String shapes = count + " occluded copies of [" + channels + "][" + height + "][" + width + "], window " + window;
        checkCounts(shapes, channels, height, width, window, count);
        long perImage = (long) channels * height * width;
        requireFloats(image, perImage, "image", shapes);
        requireFloats(out, perImage * count, "output", shapes);
        requireFloats(corners, 2L * count, "corners", shapes);
        launcher.launch("occlude", grid(perImage * count), block(), 0, new KernelArguments().pointer(image).pointer(out).pointer(corners)
                .int32(channels).int32(height).int32(width).int32(window).float32(baseline).int32(count), shapes);
    }

    /** {@code out[k][p] = start + delta[p] * alphas[k]}, {@code count} copies of {@code perCopy} floats, product rounded first. */
    public void pathPoints(DeviceBuffer delta, DeviceBuffer out, DeviceBuffer alphas, long perCopy, float start, int count) {
        String shapes = count + " path points of " + perCopy;
        checkCounts(shapes, perCopy, count);
        requireFloats(delta, perCopy, "delta", shapes);
        requireFloats(out, perCopy * count, "output", shapes);
        requireFloats(alphas, count, "alphas", shapes);
        launcher.launch("path_points", grid(perCopy * count), block(), 0, new KernelArguments().pointer(delta).pointer(out).pointer(alphas)
                .int64(perCopy).float32(start).int32(count), shapes);
    }

    /** Each map's minimum and maximum, {@code [n][pixels] -> [n][2]}; one block per map. */
    public void minMax(DeviceBuffer maps, DeviceBuffer out, int n, int pixels) {
        String shapes = "min/max [" + n + "][" + pixels + "]";
        checkCounts(shapes, n, pixels);
        requireFloats(maps, (long) n * pixels, "maps", shapes);
        requireFloats(out, 2L * n, "output", shapes);
        launcher.launch("min_max", new int[] {blocks(n, shapes), 1, 1}, block(), 2 * THREADS * Float.BYTES, new KernelArguments()
                .pointer(maps).pointer(out).int32(pixels), shapes);
    }

    /** {@code (v - lo[i]) / (hi[i] - lo[i])} clamped to [0, 1], zero where {@code hi == lo}: {@code [n][pixels]}. */
    public void normalize(DeviceBuffer maps, DeviceBuffer lo, DeviceBuffer hi, DeviceBuffer out, int n, int pixels) {
        String shapes = "normalize [" + n + "][" + pixels + "]";
        checkCounts(shapes, n, pixels);
        requireFloats(maps, (long) n * pixels, "maps", shapes);
        requireFloats(lo, n, "lo", shapes);
        requireFloats(hi, n, "hi", shapes);
        requireFloats(out, (long) n * pixels, "output", shapes);
        launcher.launch("normalize", grid((long) n * pixels), block(), 0, new KernelArguments().pointer(maps).pointer(lo).pointer(hi)
                .pointer(out).int32(n).int32(pixels), shapes);
    }

    /** Colours {@code count} unit values through the 256-entry {@code lut} and blends them over {@code images}. */
    public void colorizeBlend(DeviceBuffer unitMaps, DeviceBuffer images, DeviceBuffer lut, DeviceBuffer out, long count, float alpha) {
        String shapes = "colorize and blend " + count + " pixels";
        checkCounts(shapes, count);
        requireFloats(unitMaps, count, "maps", shapes);
        requireFloats(images, count, "images", shapes);
        requireFloats(lut, 256, "lut", shapes);
        requireFloats(out, count, "output", shapes);
        launcher.launch("colorize_blend", grid(count), block(), 0, new KernelArguments().pointer(unitMaps).pointer(images).pointer(lut)
                .pointer(out).int64(count).float32(alpha), shapes);
    }

    /**
     * The fused overlay's first pass: each map's minimum and maximum after upsampling to {@code outHeight x outWidth},
     * computed on the fly, {@code [n][height][width] -> range [n][2]}.
     */
    public void upsampledMinMax(DeviceBuffer maps, DeviceBuffer range, int n, int height, int width, int outHeight, int outWidth) {
        String shapes = "upsampled min/max [" + n + "][" + height + "][" + width + "] over " + outHeight + "x" + outWidth;
        checkResize(shapes, n, height, width, outHeight, outWidth);
        requireFloats(maps, (long) n * height * width, "maps", shapes);
        requireFloats(range, 2L * n, "range", shapes);
        launcher.launch("upsampled_min_max", new int[] {blocks(n, shapes), 1, 1}, block(), 2 * THREADS * Float.BYTES,
                new KernelArguments().pointer(maps).pointer(range).int32(height).int32(width).int32(outHeight).int32(outWidth), shapes);
    }

    /**
     * The fused overlay's second pass: each output pixel's bilinear value, normalised over its map's {@code range}
     * ({@code [n][2]}), coloured through {@code lut} and blended over {@code images} ({@code [n][outHeight][outWidth]}).
     */
    public void overlayFused(DeviceBuffer maps, DeviceBuffer range, DeviceBuffer images, DeviceBuffer lut, DeviceBuffer out, int n,
                             int height, int width, int outHeight, int outWidth, float alpha) {
        String shapes = "overlay [" + n + "][" + height + "][" + width + "] over " + outHeight + "x" + outWidth;
        checkResize(shapes, n, height, width, outHeight, outWidth);
        long pixels = (long) n * outHeight * outWidth;
        requireFloats(maps, (long) n * height * width, "maps", shapes);
        requireFloats(range, 2L * n, "range", shapes);
        requireFloats(images, pixels, "images", shapes);
        requireFloats(lut, 256, "lut", shapes);
        requireFloats(out, pixels, "output", shapes);
        launcher.launch("overlay_fused", grid(pixels), block(), 0, new KernelArguments().pointer(maps).pointer(range).pointer(images)
                .pointer(lut).pointer(out).int32(n).int32(height).int32(width).int32(outHeight).int32(outWidth).float32(alpha), shapes);
    }

    /**
     * {@code softmax(q k^T * scale)} per image, head and query row: {@code q, k [n][heads][tokens][headDim] ->
     * [n][heads][tokens][tokens]}; {@code keyMask} ({@code [n][tokens]}, zero = masked) may be null.
     */
    public void attentionProbabilities(DeviceBuffer q, DeviceBuffer k, DeviceBuffer keyMask, DeviceBuffer out, int n, int heads, int tokens,
                                       int headDim, float scale) {
        String shapes = "attention [" + n + "][" + heads + "][" + tokens + "][" + headDim + "]";
        checkCounts(shapes, n, heads, tokens, headDim);
        long shared = ((long) tokens + ATTENTION_THREADS) * Float.BYTES;
        if (shared > SHARED_LIMIT) {
            throw new IllegalArgumentException("attention over " + tokens + " tokens needs more than the 48 KiB of shared memory a block "
                    + "gets by default; at most " + (SHARED_LIMIT / Float.BYTES - ATTENTION_THREADS) + " tokens");
        }
        long rows = (long) n * heads * tokens;
        requireFloats(q, rows * headDim, "q", shapes);
        requireFloats(k, rows * headDim, "k", shapes);
        if (keyMask != null) {
            requireFloats(keyMask, (long) n * tokens, "key mask", shapes);
        }
        requireFloats(out, rows * tokens, "output", shapes);
        launcher.launch("attention_probabilities", new int[] {blocks(rows, shapes), 1, 1}, new int[] {ATTENTION_THREADS, 1, 1}, (int) shared,
                new KernelArguments().pointer(q).pointer(k).pointer(keyMask).pointer(out).int32(heads).int32(tokens).int32(headDim)
                        .float32(scale), shapes);
    }

    /** {@code [n][heads][tokens][tokens] -> [n][tokens][tokens]}. */
    public void fuseHeads(DeviceBuffer attention, DeviceBuffer out, int n, int heads, int tokens, Fusion fusion) {
        String shapes = "fuse heads [" + n + "][" + heads + "][" + tokens + "][" + tokens + "]";
        checkCounts(shapes, n, heads, tokens);
        long square = (long) tokens * tokens;
        requireFloats(attention, n * heads * square, "attention", shapes);
        requireFloats(out, n * square, "output", shapes);
        launcher.launch("fuse_heads", grid(n * square), block(), 0, new KernelArguments().pointer(attention).pointer(out).int32(n)
                .int32(heads).int32(Math.toIntExact(square)).int32(fusion.code), shapes);
    }

    /** Zeroes the {@code discard} smallest off-diagonal entries of each of {@code matrices} {@code tokens x tokens} matrices, in place. */
    public void discardSmallest(DeviceBuffer values, int matrices, int tokens, long discard) {
        String shapes = "discard " + discard + " of [" + matrices + "][" + tokens + "][" + tokens + "]";
        checkCounts(shapes, matrices, tokens);
        if (discard < 1 || discard > (long) tokens * tokens - tokens) {
            throw new IllegalArgumentException("cannot " + shapes + ": between 1 and the off-diagonal count");
        }
        requireFloats(values, (long) matrices * tokens * tokens, "matrices", shapes);
        launcher.launch("discard_smallest", new int[] {blocks(matrices, shapes), 1, 1}, block(), 0, new KernelArguments().pointer(values)
                .int32(tokens).int64(discard), shapes);
    }

    /** {@code M = A + I} for each of {@code matrices} matrices, each row divided by its sum when {@code renormalise}. */
    public void residualMix(DeviceBuffer layers, DeviceBuffer out, int matrices, int tokens, boolean renormalise) {
        String shapes = "residual mix [" + matrices + "][" + tokens + "][" + tokens + "]";
        checkCounts(shapes, matrices, tokens);
        requireFloats(layers, (long) matrices * tokens * tokens, "layers", shapes);
        requireFloats(out, (long) matrices * tokens * tokens, "output", shapes);
        launcher.launch("residual_mix", new int[] {blocks((long) matrices * tokens, shapes), 1, 1}, block(), THREADS * Float.BYTES,
                new KernelArguments().pointer(layers).pointer(out).int32(tokens).int32(renormalise ? 1 : 0), shapes);
    }

    /** {@code n} identity matrices of {@code tokens x tokens}. */
    public void identity(DeviceBuffer out, int n, int tokens) {
        String shapes = "identity [" + n + "][" + tokens + "][" + tokens + "]";
        checkCounts(shapes, n, tokens);
        requireFloats(out, (long) n * tokens * tokens, "output", shapes);
        launcher.launch("identity", grid((long) n * tokens * tokens), block(), 0, new KernelArguments().pointer(out).int32(n).int32(tokens),
                shapes);
    }

    /**
     * {@code out[b] = left[b] right[b]} for {@code b < batches} square {@code size x size} matrices: left's b-th matrix
     * starts {@code leftOffset + b * leftStride} floats into {@code left}, right's {@code b * rightStride} floats into
     * {@code right}; {@code out} is packed {@code [batches][size][size]}.
     */
    public void batchedMatmul(DeviceBuffer left, long leftOffset, long leftStride, DeviceBuffer right, long rightStride, DeviceBuffer out,
                              int batches, int size) {
        String shapes = "batched matmul " + batches + " x " + size + "x" + size;
        checkCounts(shapes, batches, size);
        if (batches > 65535 || leftOffset < 0 || leftStride < 0 || rightStride < 0) {
            throw new IllegalArgumentException("invalid " + shapes + " (at most 65535 batches, the grid's z limit; offsets and strides >= 0)");
        }
        long square = (long) size * size;
        requireFloats(left, leftOffset + (batches - 1) * leftStride + square, "left", shapes);
        requireFloats(right, (batches - 1) * rightStride + square, "right", shapes);
        requireFloats(out, batches * square, "output", shapes);
        int tiles = (size + TILE - 1) / TILE;
        launcher.launch("batched_matmul", new int[] {tiles, tiles, batches}, new int[] {TILE, TILE, 1}, 0, new KernelArguments()
                .pointerAt(left, Float.BYTES * leftOffset).pointer(right).pointer(out).int32(size).int64(leftStride).int64(rightStride), shapes);
    }

    /**
     * Exact order statistics: {@code out[m][r]} = the {@code ranks[r]}-th smallest value (0-based) of map {@code m},
     * {@code maps [n][pixels]}, {@code ranks} int32 {@code [rankCount]}; one radix selection per block.
     */
    public void selectRanks(DeviceBuffer maps, DeviceBuffer ranks, DeviceBuffer out, int n, int pixels, int rankCount) {
        String shapes = "select " + rankCount + " ranks of [" + n + "][" + pixels + "]";
        checkCounts(shapes, n, pixels, rankCount);
        if (rankCount > 65535) {
            throw new IllegalArgumentException("cannot " + shapes + ": at most 65535 ranks (the grid's y limit)");
        }
        requireFloats(maps, (long) n * pixels, "maps", shapes);
        requireFloats(ranks, rankCount, "ranks", shapes);
        requireFloats(out, (long) n * rankCount, "output", shapes);
        launcher.launch("select_ranks", new int[] {blocks(n, shapes), rankCount, 1}, block(), 0, new KernelArguments().pointer(maps)
                .pointer(ranks).pointer(out).int32(pixels).int32(rankCount), shapes);
    }

    /** Every count at least 1: an empty launch is the caller's to skip. */
    private static void checkCounts(String shapes, long... counts) {
        for (long c : counts) {
            if (c < 1) {
                throw new IllegalArgumentException("invalid " + shapes + ": every size must be at least 1");
            }
        }
    }

    private static void checkResize(String shapes, int n, int height, int width, int outHeight, int outWidth) {
        checkCounts(shapes, n, height, width, outHeight, outWidth);
    }

    /** {@code elements} 4-byte values (float or int32) fit in {@code buffer}. */
    private static void requireFloats(DeviceBuffer buffer, long elements, String what, String shapes) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + " buffer missing for " + shapes);
        }
        if (buffer.bytes() < elements * Float.BYTES) {
            throw new IllegalArgumentException(what + " buffer of " + buffer.bytes() + " bytes holds fewer than " + elements
                    + " elements for " + shapes);
        }
    }

    /** A one-dimensional grid of {@code count} blocks. */
    private static int blocks(long count, String shapes) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(shapes + " needs " + count + " blocks, more than one launch holds");
        }
        return (int) count;
    }

    private static int[] grid(long threads) {
        long blocks = (threads + THREADS - 1) / THREADS;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(threads + " elements exceed one launch");
        }
        return new int[] {(int) blocks, 1, 1};
    }

    private static int[] block() {
        return new int[] {THREADS, 1, 1};
    }
}
