package dev.heed.toolkit.backend.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.CudaException;
import dev.heed.kernels.CudaStream;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.KernelArguments;
import dev.heed.kernels.PinnedBuffer;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendArguments;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.Percentiles;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import dev.heed.toolkit.backend.cpu.CpuBackend;

/**
 * The Backend on the GPU: each op uploads its inputs, runs Heed's kernels and downloads the result, with every device
 * buffer owned by a try-with-resources block, so none outlives its op. When the device runs out of memory an op over
 * {@code n} independent maps splits the batch in halves and retries. The primitive ops copy through pageable staging
 * on the default stream; {@link #overlay} (the batch path) streams chunks through pinned buffers on two streams, so
 * one chunk's copies overlap the other's kernels. Percentiles and rollout's discarded entries are exact radix
 * selections on the device.
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private final CudaDevice device;
    private final CpuBackend fallback;

    CudaBackend(CudaDevice device, int threads) {
        this.device = device;
        this.fallback = new CpuBackend(Math.max(1, threads));
    }

    @Override
    public String id() {
        return "cuda";
    }

    /** Buffers (device and pinned) and streams open right now: zero between ops. */
    public long liveBuffers() {
        return device.liveBuffers() + device.liveStreams();
    }

    private static int[] grid(long threads) {
        return new int[] {(int) Math.max(1, (threads + THREADS - 1) / THREADS), 1, 1};
    }

    private static int[] block() {
        return new int[] {THREADS, 1, 1};
    }

    /** Runs {@code whole} on all items; on out-of-memory runs {@code part} on each half and concatenates. */
    private static float[] splitting(int n, Supplier<float[]> whole, SplitOp part) {
        try {
            return whole.get();
        } catch (CudaException e) {
            if (!e.outOfMemory() || n == 1) {
                throw e;
            }
            int half = n / 2;
            float[] a = part.run(0, half);
            float[] b = part.run(half, n - half);
            float[] out = new float[a.length + b.length];
            System.arraycopy(a, 0, out, 0, a.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    @FunctionalInterface
    private interface SplitOp {
        float[] run(int from, int count);
    }

    private static float[] slice(float[] values, int from, int count, int perItem) {
        float[] out = new float[count * perItem];
        System.arraycopy(values, from * perItem, out, 0, out.length);
        return out;
    }

    @Override
    public synchronized float[] reduceChannels(float[] features, int n, int channels, int height, int width, ChannelReduction reduction) {
        int plane = height * width;
        BackendArguments.checkLength("features", features.length, (long) n * channels * plane);
        return splitting(n, () -> reduceOnDevice(features, n, channels, plane, reduction),
                (from, count) -> reduceChannels(slice(features, from, count, channels * plane), count, channels, height, width, reduction));
    }

    private float[] reduceOnDevice(float[] features, int n, int channels, int plane, ChannelReduction reduction) {
        String shapes = "[" + n + "][" + channels + "][" + plane + "]";
        try (DeviceBuffer in = device.allocate(4L * features.length, "reduceChannels").upload(features);
             DeviceBuffer out = device.allocate(4L * n * plane, "reduceChannels")) {
            device.launch("reduce_channels", grid((long) n * plane), block(), 0, new KernelArguments().pointer(in).pointer(out)
                    .int32(n).int32(channels).int32(plane).int32(reduction.ordinal()), shapes);
            return out.downloadFloats(n * plane);
        }
    }

    @Override
    public synchronized float[] channelMeans(float[] features, int n, int channels, int height, int width) {
        int plane = height * width;
        BackendArguments.checkLength("features", features.length, (long) n * channels * plane);
        if (n * channels == 0) {
            return new float[0];
        }
        try (DeviceBuffer in = device.allocate(4L * features.length, "channelMeans").upload(features);
             DeviceBuffer out = device.allocate(4L * n * channels, "channelMeans")) {
            device.launch("channel_means", new int[] {n * channels, 1, 1}, block(), THREADS * 4,
                    new KernelArguments().pointer(in).pointer(out).int32(plane), "[" + n + "][" + channels + "][" + plane + "]");
            return out.downloadFloats(n * channels);
        }
    }

    @Override
    public synchronized float[] gradCamPlusPlusWeights(float[] activations, float[] gradients, int n, int channels, int height, int width) {
        int plane = height * width;
        BackendArguments.checkLength("activations", activations.length, (long) n * channels * plane);
        BackendArguments.checkLength("gradients", gradients.length, (long) n * channels * plane);
        if (n * channels == 0) {
            return new float[0];
        }
        try (DeviceBuffer a = device.allocate(4L * activations.length, "gradCamPlusPlusWeights").upload(activations);
             DeviceBuffer g = device.allocate(4L * gradients.length, "gradCamPlusPlusWeights").upload(gradients);
             DeviceBuffer out = device.allocate(4L * n * channels, "gradCamPlusPlusWeights")) {
            device.launch("gradcampp_weights", new int[] {n * channels, 1, 1}, block(), THREADS * 4,
                    new KernelArguments().pointer(a).pointer(g).pointer(out).int32(plane), "[" + n + "][" + channels + "][" + plane + "]");
            return out.downloadFloats(n * channels);
        }
    }

    @Override
    public synchronized float[] weightedChannelSum(float[] features, float[] weights, int n, int channels, int height, int width, boolean relu) {
        int plane = height * width;
        BackendArguments.checkLength("features", features.length, (long) n * channels * plane);
        BackendArguments.checkLength("weights", weights.length, (long) n * channels);
        try (DeviceBuffer f = device.allocate(4L * features.length, "weightedChannelSum").upload(features);
             DeviceBuffer w = device.allocate(4L * weights.length, "weightedChannelSum").upload(weights);
             DeviceBuffer out = device.allocate(4L * n * plane, "weightedChannelSum")) {
            device.launch("weighted_channel_sum", grid((long) n * plane), block(), 0, new KernelArguments().pointer(f).pointer(w)
                    .pointer(out).int32(n).int32(channels).int32(plane).int32(relu ? 1 : 0), "[" + n + "][" + channels + "][" + plane + "]");
            return out.downloadFloats(n * plane);
        }
    }

    @Override
    public synchronized float[] upsampleBilinear(float[] maps, int n, int height, int width, int outHeight, int outWidth) {
        BackendArguments.checkLength("maps", maps.length, (long) n * height * width);
        return splitting(n, () -> upsampleOnDevice(maps, n, height, width, outHeight, outWidth),
                (from, count) -> upsampleBilinear(slice(maps, from, count, height * width), count, height, width, outHeight, outWidth));
    }

    private float[] upsampleOnDevice(float[] maps, int n, int height, int width, int outHeight, int outWidth) {
        long outCount = (long) n * outHeight * outWidth;
        try (DeviceBuffer in = device.allocate(4L * maps.length, "upsampleBilinear").upload(maps);
             DeviceBuffer out = device.allocate(4L * outCount, "upsampleBilinear")) {
            device.launch("upsample_bilinear", grid(outCount), block(), 0, new KernelArguments().pointer(in).pointer(out).int32(n)
                    .int32(height).int32(width).int32(outHeight).int32(outWidth), "[" + n + "][" + height + "][" + width + "] -> " + outHeight + "x" + outWidth);
            return out.downloadFloats((int) outCount);
        }
    }

    @Override
    public synchronized float[] minMax(float[] maps, int n, int pixels) {
        BackendArguments.checkLength("maps", maps.length, (long) n * pixels);
        if (n == 0) {
            return new float[0];
        }
        try (DeviceBuffer in = device.allocate(4L * maps.length, "minMax").upload(maps);
             DeviceBuffer out = device.allocate(8L * n, "minMax")) {
            device.launch("min_max", new int[] {n, 1, 1}, block(), 2 * THREADS * 4, new KernelArguments().pointer(in).pointer(out).int32(pixels),
                    "[" + n + "][" + pixels + "]");
            return out.downloadFloats(2 * n);
        }
    }

    @Override
    public synchronized double[] percentiles(float[] maps, int n, int pixels, double lowPct, double highPct) {
        BackendArguments.checkLength("maps", maps.length, (long) n * pixels);
        BackendArguments.checkPercentiles(lowPct, highPct);
        if (n == 0) {
            return new double[0];
        }
        double low = Percentiles.index(pixels, lowPct);
        double high = Percentiles.index(pixels, highPct);
        int[] ranks = {Percentiles.below(low), Percentiles.above(low, pixels), Percentiles.below(high), Percentiles.above(high, pixels)};
        float[] selected = orderStatistics(maps, n, pixels, ranks);
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            out[2 * i] = Percentiles.interpolate(selected[4 * i], selected[4 * i + 1], low);
            out[2 * i + 1] = Percentiles.interpolate(selected[4 * i + 2], selected[4 * i + 3], high);
        }
        return out;
    }

    /** The {@code ranks}-th smallest values of each map, {@code [n][ranks.length]}: one radix selection per block. */
    private float[] orderStatistics(float[] maps, int n, int pixels, int[] ranks) {
        return splitting(n, () -> {
            try (DeviceBuffer in = device.allocate(4L * maps.length, "percentiles").upload(maps);
                 DeviceBuffer r = device.allocate(4L * ranks.length, "percentiles").upload(ranks);
                 DeviceBuffer out = device.allocate(4L * n * ranks.length, "percentiles")) {
                device.launch("select_ranks", new int[] {n, ranks.length, 1}, block(), 0, new KernelArguments().pointer(in).pointer(r)
                        .pointer(out).int32(pixels).int32(ranks.length), "[" + n + "][" + pixels + "]");
                return out.downloadFloats(n * ranks.length);
            }
        }, (from, count) -> orderStatistics(slice(maps, from, count, pixels), count, pixels, ranks));
    }

    @Override
    public synchronized float[] normalize(float[] maps, int n, int pixels, float[] lo, float[] hi) {
        BackendArguments.checkLength("maps", maps.length, (long) n * pixels);
        BackendArguments.checkLength("lo", lo.length, n);
        BackendArguments.checkLength("hi", hi.length, n);
        try (DeviceBuffer in = device.allocate(4L * maps.length, "normalize").upload(maps);
             DeviceBuffer l = device.allocate(4L * n, "normalize").upload(lo);
             DeviceBuffer h = device.allocate(4L * n, "normalize").upload(hi);
             DeviceBuffer out = device.allocate(4L * maps.length, "normalize")) {
            device.launch("normalize", grid((long) n * pixels), block(), 0, new KernelArguments().pointer(in).pointer(l).pointer(h)
                    .pointer(out).int32(n).int32(pixels), "[" + n + "][" + pixels + "]");
            return out.downloadFloats(maps.length);
        }
    }

    @Override
    public synchronized int[] colorizeBlend(float[] unitMaps, int[] imagesRgb, int n, int pixels, int[] lutRgb, float alpha) {
        BackendArguments.checkLength("maps", unitMaps.length, (long) n * pixels);
        BackendArguments.checkLength("images", imagesRgb.length, (long) n * pixels);
        BackendArguments.checkLength("lut", lutRgb.length, 256);
        BackendArguments.checkAlpha(alpha);
        long count = (long) n * pixels;
        try (DeviceBuffer maps = device.allocate(4 * count, "colorizeBlend").upload(unitMaps);
             DeviceBuffer images = device.allocate(4 * count, "colorizeBlend").upload(imagesRgb);
             DeviceBuffer lut = device.allocate(4 * 256, "colorizeBlend").upload(lutRgb);
             DeviceBuffer out = device.allocate(4 * count, "colorizeBlend")) {
            device.launch("colorize_blend", grid(count), block(), 0, new KernelArguments().pointer(maps).pointer(images).pointer(lut)
                    .pointer(out).int64(count).float32(alpha), "[" + n + "][" + pixels + "]");
            return out.downloadInts((int) count);
        }
    }

    @Override
    public synchronized float[] attentionProbabilities(float[] q, float[] k, float[] keyMask, int n, int heads, int tokens, int headDim, float scale) {
        long perHead = (long) tokens * headDim;
        BackendArguments.checkLength("q", q.length, n * heads * perHead);
        BackendArguments.checkLength("k", k.length, n * heads * perHead);
        if (keyMask != null) {
            BackendArguments.checkLength("keyMask", keyMask.length, (long) n * tokens);
        }
        long rows = (long) n * heads * tokens;
        if (rows == 0) {
            return new float[0];
        }
        if ((tokens + 128L) * 4 > 48 * 1024) {
            throw new IllegalArgumentException("attention over " + tokens + " tokens needs more than the 48 KiB of shared memory a block "
                    + "gets by default; at most 12160 tokens");
        }
        try (DeviceBuffer dq = device.allocate(4L * q.length, "attentionProbabilities").upload(q);
             DeviceBuffer dk = device.allocate(4L * k.length, "attentionProbabilities").upload(k);
             DeviceBuffer mask = keyMask == null ? null : device.allocate(4L * keyMask.length, "attentionProbabilities").upload(keyMask);
             DeviceBuffer out = device.allocate(4L * rows * tokens, "attentionProbabilities")) {
            device.launch("attention_probabilities", new int[] {(int) rows, 1, 1}, new int[] {128, 1, 1}, (tokens + 128) * 4,
                    new KernelArguments().pointer(dq).pointer(dk).pointer(mask).pointer(out).int32(heads).int32(tokens).int32(headDim)
                            .float32(scale), "[" + n + "][" + heads + "][" + tokens + "][" + headDim + "]");
            return out.downloadFloats((int) (rows * tokens));
        }
    }

    @Override
    public synchronized float[] fuseHeads(float[] attention, int n, int heads, int tokens, HeadFusion fusion) {
        int square = tokens * tokens;
        BackendArguments.checkLength("attention", attention.length, (long) n * heads * square);
        try (DeviceBuffer in = device.allocate(4L * attention.length, "fuseHeads").upload(attention);
             DeviceBuffer out = device.allocate(4L * n * square, "fuseHeads")) {
            device.launch("fuse_heads", grid((long) n * square), block(), 0, new KernelArguments().pointer(in).pointer(out).int32(n)
                    .int32(heads).int32(square).int32(fusion.ordinal()), "[" + n + "][" + heads + "][" + tokens + "][" + tokens + "]");
            return out.downloadFloats(n * square);
        }
    }

    @Override
    public synchronized float[] rollout(float[] layers, int n, int layerCount, int tokens, float discardRatio, boolean renormalise) {
        int square = tokens * tokens;
        BackendArguments.checkLength("layers", layers.length, (long) n * layerCount * square);
        int discard = BackendArguments.discardCount(discardRatio, tokens);
        if (n == 0 || layerCount == 0) {
            return fallback.rollout(layers, n, layerCount, tokens, discardRatio, renormalise); // nothing for a device to do
        }
        if (n > 65535) {
            throw new IllegalArgumentException("rollout batches at most 65535 images on the device (the grid's z limit), got " + n);
        }
        String shapes = "[" + n + "][" + layerCount + "][" + tokens + "][" + tokens + "]";
        try (DeviceBuffer in = device.allocate(4L * layers.length, "rollout").upload(layers);
             DeviceBuffer mixing = device.allocate(4L * layers.length, "rollout");
             DeviceBuffer chain = device.allocate(4L * n * square, "rollout");
             DeviceBuffer next = device.allocate(4L * n * square, "rollout")) {
            if (discard > 0) {
                device.launch("discard_smallest", new int[] {n * layerCount, 1, 1}, block(), 0, new KernelArguments().pointer(in)
                        .int32(tokens).int64(discard), shapes);
            }
            device.launch("residual_mix", new int[] {n * layerCount * tokens, 1, 1}, block(), THREADS * 4,
                    new KernelArguments().pointer(in).pointer(mixing).int32(tokens).int32(renormalise ? 1 : 0), shapes);
            device.launch("identity", grid((long) n * square), block(), 0, new KernelArguments().pointer(chain).int32(n).int32(tokens), shapes);
            DeviceBuffer current = chain;
            DeviceBuffer other = next;
            int tiles = (tokens + 15) / 16;
            for (int layer = 0; layer < layerCount; layer++) {
                // next = M_layer * current for every image; M_layer of image i starts at (i * layers + layer) * square
                device.launch("batched_matmul", new int[] {tiles, tiles, n}, new int[] {16, 16, 1}, 0, new KernelArguments()
                        .pointerAt(mixing, 4L * layer * square).pointer(current).pointer(other).int32(tokens)
                        .int64((long) layerCount * square).int64(square), shapes);
                DeviceBuffer swap = current;
                current = other;
                other = swap;
            }
            return current.downloadFloats(n * square);
        }
    }

    /** Image bytes per chunk of a streamed overlay: big enough to keep the GPU busy, small enough to overlap. */
    private static final long CHUNK_BYTES = 16L << 20;

    @Override
    public synchronized int[] overlay(float[] maps, int n, int height, int width, int[] imagesRgb, int outHeight, int outWidth,
                                      float[] lo, float[] hi, int[] lutRgb, float alpha) {
        int pixels = outHeight * outWidth;
        BackendArguments.checkOverlay(maps, n, height, width, imagesRgb, outHeight, outWidth, lo, hi, lutRgb, alpha);
        if (n == 0 || pixels == 0) {
            return new int[0];
        }
        int chunk = (int) Math.max(1, Math.min((n + 3) / 4, CHUNK_BYTES / (4L * pixels))); // at least four chunks when n allows
        while (true) {
            try {
                return streamOverlay(maps, n, height, width, imagesRgb, outHeight, outWidth, lo, hi, lutRgb, alpha, chunk);
            } catch (CudaException e) {
                if (!e.outOfMemory() || chunk == 1) {
                    throw e;
                }
                chunk = (chunk + 1) / 2;
            }
        }
    }

    /**
     * One lane of the streamed overlay: a stream, pinned host buffers and device buffers for one chunk. Two lanes
     * alternate, so while one lane's kernels run, the other's copies move the next chunk.
     */
    private final class Lane implements AutoCloseable {
        final CudaStream stream;
        final PinnedBuffer hostMaps;
        final PinnedBuffer hostImages;
        final PinnedBuffer hostOut;
        final PinnedBuffer hostRange;
        final DeviceBuffer maps;
        final DeviceBuffer range;
        final DeviceBuffer images;
        final DeviceBuffer out;
        int pendingFrom = -1;
        int pendingCount;

        Lane(int chunk, int mapPixels, int pixels) {
            List<AutoCloseable> made = new ArrayList<>();
            try {
                stream = keep(made, device.createStream());
                hostMaps = keep(made, device.allocatePinned(4L * chunk * mapPixels, "overlay"));
                hostImages = keep(made, device.allocatePinned(4L * chunk * pixels, "overlay"));
                hostOut = keep(made, device.allocatePinned(4L * chunk * pixels, "overlay"));
                hostRange = keep(made, device.allocatePinned(8L * chunk, "overlay"));
                maps = keep(made, device.allocate(4L * chunk * mapPixels, "overlay"));
                range = keep(made, device.allocate(8L * chunk, "overlay"));
                images = keep(made, device.allocate(4L * chunk * pixels, "overlay"));
                out = keep(made, device.allocate(4L * chunk * pixels, "overlay"));
            } catch (RuntimeException e) {
                closeAll(made, e);
                throw e;
            }
        }

        /** Waits for this lane's chunk in flight, if any, and copies its overlays into {@code result}. */
        void drain(int[] result, int pixels) {
            if (pendingFrom < 0) {
                return;
            }
            stream.await();
            hostOut.ints().get(result, pendingFrom * pixels, pendingCount * pixels);
            pendingFrom = -1;
        }

        /** Waits for work in flight (an op that failed midway may leave some), then frees the buffers and the stream. */
        @Override
        public void close() {
            closeAll(List.of(stream::await, out, images, range, maps, hostRange, hostOut, hostImages, hostMaps, stream), null);
        }
    }

    private static <T extends AutoCloseable> T keep(List<AutoCloseable> made, T resource) {
        made.add(resource);
        return resource;
    }

    /** Closes every resource (the stream last, so it drains first), keeping the first failure. */
    private static void closeAll(List<AutoCloseable> resources, RuntimeException primary) {
        RuntimeException failure = primary;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                } else if (failure != e) {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null && primary == null) {
            throw failure;
        }
    }

    private int[] streamOverlay(float[] maps, int n, int height, int width, int[] imagesRgb, int outHeight, int outWidth, float[] lo,
                                float[] hi, int[] lutRgb, float alpha, int chunk) {
        int mapPixels = height * width;
        int pixels = outHeight * outWidth;
        int[] result = new int[n * pixels];
        try (DeviceBuffer lut = device.allocate(4 * 256, "overlay").upload(lutRgb);
             Lane first = new Lane(chunk, mapPixels, pixels);
             Lane second = new Lane(chunk, mapPixels, pixels)) {
            device.await(); // the LUT's copy is on the default stream, which the lanes' streams do not wait for
            Lane[] lanes = {first, second};
            for (int from = 0, index = 0; from < n; from += chunk, index++) {
                Lane lane = lanes[index % 2];
                int count = Math.min(chunk, n - from);
                lane.drain(result, pixels); // its pinned buffers are free once its previous chunk is done
                lane.hostMaps.floats().put(maps, from * mapPixels, count * mapPixels);
                lane.hostImages.ints().put(imagesRgb, from * pixels, count * pixels);
                String shapes = "[" + count + "][" + height + "][" + width + "] over " + outHeight + "x" + outWidth + ", images " + from
                        + ".." + (from + count - 1);
                lane.stream.upload(lane.maps, lane.hostMaps, 4L * count * mapPixels);
                lane.stream.upload(lane.images, lane.hostImages, 4L * count * pixels);
                if (lo == null) {
                    lane.stream.launch("upsampled_min_max", new int[] {count, 1, 1}, block(), 2 * THREADS * 4, new KernelArguments()
                            .pointer(lane.maps).pointer(lane.range).int32(height).int32(width).int32(outHeight).int32(outWidth), shapes);
                } else {
                    FloatBuffer ranges = lane.hostRange.floats();
                    for (int i = from; i < from + count; i++) {
                        ranges.put(lo[i]).put(hi[i]);
                    }
                    lane.stream.upload(lane.range, lane.hostRange, 8L * count);
                }
                lane.stream.launch("overlay_fused", grid((long) count * pixels), block(), 0, new KernelArguments().pointer(lane.maps)
                        .pointer(lane.range).pointer(lane.images).pointer(lut).pointer(lane.out).int32(count).int32(height).int32(width)
                        .int32(outHeight).int32(outWidth).float32(alpha), shapes);
                lane.stream.download(lane.hostOut, lane.out, 4L * count * pixels);
                lane.pendingFrom = from;
                lane.pendingCount = count;
            }
            first.drain(result, pixels);
            second.drain(result, pixels);
        }
        return result;
    }

    /**
     * The overlay path for {@code n} CAMs of {@code height x width} over {@code side x side} RGB images, with its data
     * kept on the device between calls: for measuring the fused kernels apart from the transfers.
     */
    public ResidentOverlay residentOverlay(float[] cams, int n, int height, int width, int[] images, int side, int[] lut, float alpha) {
        return new ResidentOverlay(cams, n, height, width, images, side, lut, alpha);
    }

    /** Device buffers of one overlay batch; closing frees them. */
    public final class ResidentOverlay implements AutoCloseable {
        private final float[] cams;
        private final int[] images;
        private final int n;
        private final int height;
        private final int width;
        private final int side;
        private final float alpha;
        private final DeviceBuffer deviceCams;
        private final DeviceBuffer range;
        private final DeviceBuffer deviceImages;
        private final DeviceBuffer deviceLut;
        private final DeviceBuffer out;
        private final DeviceBuffer copy;

        private ResidentOverlay(float[] cams, int n, int height, int width, int[] images, int side, int[] lut, float alpha) {
            BackendArguments.checkLength("cams", cams.length, (long) n * height * width);
            BackendArguments.checkLength("images", images.length, (long) n * side * side);
            this.cams = cams;
            this.images = images;
            this.n = n;
            this.height = height;
            this.width = width;
            this.side = side;
            this.alpha = alpha;
            long pixels = (long) n * side * side;
            deviceCams = device.allocate(4L * cams.length, "overlay");
            range = device.allocate(8L * n, "overlay");
            deviceImages = device.allocate(4 * pixels, "overlay");
            deviceLut = device.allocate(4 * 256, "overlay").upload(lut);
            out = device.allocate(4 * pixels, "overlay");
            copy = device.allocate(4 * pixels, "overlay");
            upload();
        }

        /** Bytes the fused kernel reads and writes (image in, overlay out): the copy-bandwidth yardstick. */
        public long bytesPerPass() {
            return 8L * n * side * side;
        }

        /** Host to device: the CAMs and the images. */
        public void upload() {
            deviceCams.upload(cams);
            deviceImages.upload(images);
        }

        /** The two kernels: the upsampled range, then upsample + normalise + colour + blend in one pass. */
        public void compute() {
            String shapes = "[" + n + "][" + height + "][" + width + "] over " + side + "x" + side;
            device.launch("upsampled_min_max", new int[] {n, 1, 1}, block(), 2 * THREADS * 4, new KernelArguments().pointer(deviceCams)
                    .pointer(range).int32(height).int32(width).int32(side).int32(side), shapes);
            device.launch("overlay_fused", grid((long) n * side * side), block(), 0, new KernelArguments().pointer(deviceCams).pointer(range)
                    .pointer(deviceImages).pointer(deviceLut).pointer(out).int32(n).int32(height).int32(width).int32(side).int32(side)
                    .float32(alpha), shapes);
        }

        /** Device to host: the overlays. */
        public int[] download() {
            return out.downloadInts(n * side * side);
        }

        /** A device-to-device copy of the images: the same bytes moved as {@link #compute}, at copy speed. */
        public void deviceCopy() {
            device.copy(copy, deviceImages, 4L * n * side * side);
        }

        @Override
        public void close() {
            for (DeviceBuffer b : new DeviceBuffer[] {deviceCams, range, deviceImages, deviceLut, out, copy}) {
                b.close();
            }
        }
    }

    @Override
    public synchronized void close() {
        fallback.close();
        device.close();
    }
}
