package dev.heed.toolkit.backend.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.CudaException;
import dev.heed.kernels.CudaStream;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.MapKernels;
import dev.heed.kernels.PinnedBuffer;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendArguments;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.Features;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.HeadVectors;
import dev.heed.toolkit.backend.KeyMask;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.Percentiles;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.backend.ResidentArrays;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.TokenMatrices;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Backend on the GPU: each op uploads its inputs, runs Heed's kernels through the typed {@link MapKernels} facade
 * and downloads the result, with every device
 * buffer owned by a try-with-resources block, so none outlives its op. When the device runs out of memory an op over
 * {@code n} independent maps splits the batch in halves and retries. The primitive ops copy through pageable staging
 * on the default stream; {@link #overlay} (the batch path) streams chunks through pinned buffers on two streams, so
 * one chunk's copies overlap the other's kernels. Percentiles and rollout's discarded entries are exact radix
 * selections on the device.
 */
public final class CudaBackend implements Backend {
    private final CudaDevice device;
    private final MapKernels kernels;
    private final EngineKernels engineKernels;
    private final CpuBackend fallback;

    CudaBackend(CudaDevice device, int threads) {
        this.device = device;
        this.kernels = new MapKernels(device);
        this.engineKernels = new EngineKernels(device);
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

    /** The most device buffers this backend held at once since {@link #resetPeakBuffers()}; see {@link CudaDevice#peakBuffers()}. */
    public long peakBuffers() {
        return device.peakBuffers();
    }

    public void resetPeakBuffers() {
        device.resetPeakBuffers();
    }

    /** Bytes this backend has copied from its GPU to the host: what a test of where the data lives reads. */
    public long bytesToHost() {
        return device.bytesToHost();
    }

    /** Bytes this backend has copied from the host to its GPU. */
    public long bytesToDevice() {
        return device.bytesToDevice();
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

    @Override
    public synchronized Maps reduceChannels(Features features, ChannelReduction reduction) {
        return new Maps(splitting(features.n(), () -> reduceOnDevice(features, reduction),
                (from, count) -> reduceChannels(features.slice(from, count), reduction).values()), features.n(), features.height(), features.width());
    }

    private float[] reduceOnDevice(Features features, ChannelReduction reduction) {
        int n = features.n();
        int plane = features.plane();
        if (n * features.channels() * plane == 0) {
            return new float[n * plane];
        }
        try (DeviceBuffer in = device.allocate(4L * features.values().length, "reduceChannels").upload(features.values());
             DeviceBuffer out = device.allocate(4L * n * plane, "reduceChannels")) {
            kernels.reduceChannels(in, out, n, features.channels(), plane, reduction(reduction));
            return out.downloadFloats(n * plane);
        }
    }

    @Override
    public synchronized float[] channelMeans(Features features) {
        int n = features.n();
        int channels = features.channels();
        if (n * channels == 0) {
            return new float[0];
        }
        if (features.plane() == 0) {
            return fallback.channelMeans(features); // no values to average: the reference's 0/0
        }
        try (DeviceBuffer in = device.allocate(4L * features.values().length, "channelMeans").upload(features.values());
             DeviceBuffer out = device.allocate(4L * n * channels, "channelMeans")) {
            kernels.channelMeans(in, out, n, channels, features.plane());
            return out.downloadFloats(n * channels);
        }
    }

    @Override
    public synchronized float[] gradCamPlusPlusWeights(Features activations, Features gradients) {
        BackendArguments.checkSameShape(activations, gradients);
        int n = activations.n();
        int channels = activations.channels();
        if (n * channels == 0) {
            return new float[0];
        }
        if (activations.plane() == 0) {
            return new float[n * channels]; // an empty sum
        }
        try (DeviceBuffer a = device.allocate(4L * activations.values().length, "gradCamPlusPlusWeights").upload(activations.values());
             DeviceBuffer g = device.allocate(4L * gradients.values().length, "gradCamPlusPlusWeights").upload(gradients.values());
             DeviceBuffer out = device.allocate(4L * n * channels, "gradCamPlusPlusWeights")) {
            kernels.gradCamPlusPlusWeights(a, g, out, n, channels, activations.plane());
            return out.downloadFloats(n * channels);
        }
    }

    @Override
    public synchronized Maps weightedChannelSum(Features features, float[] weights, boolean relu) {
        BackendArguments.checkWeights(features, weights);
        int n = features.n();
        int plane = features.plane();
        if (n * features.channels() * plane == 0) {
            return fallback.weightedChannelSum(features, weights, relu); // nothing for a device to do
        }
        try (DeviceBuffer f = device.allocate(4L * features.values().length, "weightedChannelSum").upload(features.values());
             DeviceBuffer w = device.allocate(4L * weights.length, "weightedChannelSum").upload(weights);
             DeviceBuffer out = device.allocate(4L * n * plane, "weightedChannelSum")) {
            kernels.weightedChannelSum(f, w, out, n, features.channels(), plane, relu);
            return new Maps(out.downloadFloats(n * plane), n, features.height(), features.width());
        }
    }

    @Override
    public synchronized Maps upsampleBilinear(Maps maps, int outHeight, int outWidth) {
        BackendArguments.checkSize(outHeight, outWidth);
        if ((long) maps.n() * maps.pixels() * outHeight * outWidth == 0) {
            return fallback.upsampleBilinear(maps, outHeight, outWidth); // nothing for a device to do
        }
        return new Maps(splitting(maps.n(), () -> upsampleOnDevice(maps, outHeight, outWidth),
                (from, count) -> upsampleBilinear(maps.slice(from, count), outHeight, outWidth).values()), maps.n(), outHeight, outWidth);
    }

    private float[] upsampleOnDevice(Maps maps, int outHeight, int outWidth) {
        long outCount = (long) maps.n() * outHeight * outWidth;
        try (DeviceBuffer in = device.allocate(4L * maps.values().length, "upsampleBilinear").upload(maps.values());
             DeviceBuffer out = device.allocate(4L * outCount, "upsampleBilinear")) {
            kernels.upsampleBilinear(in, out, maps.n(), maps.height(), maps.width(), outHeight, outWidth);
            return out.downloadFloats((int) outCount);
        }
    }

    @Override
    public synchronized float[] minMax(Maps maps) {
        int n = maps.n();
        if (n == 0 || maps.pixels() == 0) {
            return fallback.minMax(maps); // (+inf, -inf) per empty map, as the reference says
        }
        try (DeviceBuffer in = device.allocate(4L * maps.values().length, "minMax").upload(maps.values());
             DeviceBuffer out = device.allocate(8L * n, "minMax")) {
            kernels.minMax(in, out, n, maps.pixels());
            return out.downloadFloats(2 * n);
        }
    }

    @Override
    public synchronized double[] percentiles(Maps maps, double lowPct, double highPct) {
        BackendArguments.checkPercentiles(lowPct, highPct);
        int n = maps.n();
        if (n == 0) {
            return new double[0];
        }
        int pixels = maps.pixels();
        double low = Percentiles.index(pixels, lowPct);
        double high = Percentiles.index(pixels, highPct);
        int[] ranks = {Percentiles.below(low), Percentiles.above(low, pixels), Percentiles.below(high), Percentiles.above(high, pixels)};
        float[] selected = orderStatistics(maps, ranks);
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            out[2 * i] = Percentiles.interpolate(selected[4 * i], selected[4 * i + 1], low);
            out[2 * i + 1] = Percentiles.interpolate(selected[4 * i + 2], selected[4 * i + 3], high);
        }
        return out;
    }

    /** The {@code ranks}-th smallest values of each map, {@code [n][ranks.length]}: one radix selection per block. */
    private float[] orderStatistics(Maps maps, int[] ranks) {
        int n = maps.n();
        return splitting(n, () -> {
            try (DeviceBuffer in = device.allocate(4L * maps.values().length, "percentiles").upload(maps.values());
                 DeviceBuffer r = device.allocate(4L * ranks.length, "percentiles").upload(ranks);
                 DeviceBuffer out = device.allocate(4L * n * ranks.length, "percentiles")) {
                kernels.selectRanks(in, r, out, n, maps.pixels(), ranks.length);
                return out.downloadFloats(n * ranks.length);
            }
        }, (from, count) -> orderStatistics(maps.slice(from, count), ranks));
    }

    @Override
    public synchronized Maps normalize(Maps maps, MapRange range) {
        MapRange.Given given = range.over(maps, this);
        int n = maps.n();
        if (n * maps.pixels() == 0) {
            return fallback.normalize(maps, given); // nothing for a device to do
        }
        try (DeviceBuffer in = device.allocate(4L * maps.values().length, "normalize").upload(maps.values());
             DeviceBuffer l = device.allocate(4L * n, "normalize").upload(given.lo());
             DeviceBuffer h = device.allocate(4L * n, "normalize").upload(given.hi());
             DeviceBuffer out = device.allocate(4L * maps.values().length, "normalize")) {
            kernels.normalize(in, l, h, out, n, maps.pixels());
            return new Maps(out.downloadFloats(maps.values().length), n, maps.height(), maps.width());
        }
    }

    @Override
    public synchronized RgbImages colorizeBlend(Maps unitMaps, RgbImages images, Blend blend) {
        BackendArguments.checkPerPixel(unitMaps, images);
        long count = images.rgb().length;
        if (count == 0) {
            return new RgbImages(new int[0], images.n(), images.height(), images.width());
        }
        try (DeviceBuffer maps = device.allocate(4 * count, "colorizeBlend").upload(unitMaps.values());
             DeviceBuffer in = device.allocate(4 * count, "colorizeBlend").upload(images.rgb());
             DeviceBuffer lut = device.allocate(4 * 256, "colorizeBlend").upload(blend.lut());
             DeviceBuffer out = device.allocate(4 * count, "colorizeBlend")) {
            kernels.colorizeBlend(maps, in, lut, out, count, blend.alpha());
            return new RgbImages(out.downloadInts((int) count), images.n(), images.height(), images.width());
        }
    }

    @Override
    public synchronized TokenMatrices attentionProbabilities(HeadVectors q, HeadVectors k, KeyMask keyMask, float scale) {
        BackendArguments.checkAttention(q, k, keyMask);
        int n = q.n();
        int tokens = q.tokens();
        long rows = (long) n * q.heads() * tokens;
        if (rows == 0 || q.dim() == 0) {
            return fallback.attentionProbabilities(q, k, keyMask, scale); // nothing for a device to do
        }
        float[] mask = keyMask instanceof KeyMask.Valid valid ? valid.values() : null;
        try (DeviceBuffer dq = device.allocate(4L * q.values().length, "attentionProbabilities").upload(q.values());
             DeviceBuffer dk = device.allocate(4L * k.values().length, "attentionProbabilities").upload(k.values());
             DeviceBuffer dm = mask == null ? null : device.allocate(4L * mask.length, "attentionProbabilities").upload(mask);
             DeviceBuffer out = device.allocate(4L * rows * tokens, "attentionProbabilities")) {
            kernels.attentionProbabilities(dq, dk, dm, out, n, q.heads(), tokens, q.dim(), scale);
            return new TokenMatrices(out.downloadFloats((int) (rows * tokens)), n, q.heads(), tokens);
        }
    }

    @Override
    public synchronized TokenMatrices fuseHeads(TokenMatrices heads, HeadFusion fusion) {
        int n = heads.n();
        int tokens = heads.tokens();
        int square = tokens * tokens;
        if (n * heads.count() * square == 0) {
            return fallback.fuseHeads(heads, fusion); // nothing for a device to do
        }
        try (DeviceBuffer in = device.allocate(4L * heads.values().length, "fuseHeads").upload(heads.values());
             DeviceBuffer out = device.allocate(4L * n * square, "fuseHeads")) {
            kernels.fuseHeads(in, out, n, heads.count(), tokens, switch (fusion) {
                case MEAN -> MapKernels.Fusion.MEAN;
                case MAX -> MapKernels.Fusion.MAX;
                case MIN -> MapKernels.Fusion.MIN;
                case MEAN_OF_POSITIVE -> MapKernels.Fusion.MEAN_OF_POSITIVE;
            });
            return new TokenMatrices(out.downloadFloats(n * square), n, 1, tokens);
        }
    }

    @Override
    public synchronized TokenMatrices rollout(TokenMatrices layers, float discardRatio, boolean renormalise) {
        int n = layers.n();
        int layerCount = layers.count();
        int tokens = layers.tokens();
        int square = tokens * tokens;
        int discard = BackendArguments.discardCount(discardRatio, tokens);
        if (n == 0 || layerCount == 0 || tokens == 0) {
            return fallback.rollout(layers, discardRatio, renormalise); // nothing for a device to do
        }
        if (n > 65535) {
            throw new IllegalArgumentException("rollout batches at most 65535 images on the device (the grid's z limit), got " + n);
        }
        try (DeviceBuffer in = device.allocate(4L * layers.values().length, "rollout").upload(layers.values());
             DeviceBuffer mixing = device.allocate(4L * layers.values().length, "rollout");
             DeviceBuffer chain = device.allocate(4L * n * square, "rollout");
             DeviceBuffer next = device.allocate(4L * n * square, "rollout")) {
            if (discard > 0) {
                kernels.discardSmallest(in, n * layerCount, tokens, discard);
            }
            kernels.residualMix(in, mixing, n * layerCount, tokens, renormalise);
            kernels.identity(chain, n, tokens);
            DeviceBuffer current = chain;
            DeviceBuffer other = next;
            for (int layer = 0; layer < layerCount; layer++) {
                // next = M_layer * current for every image; M_layer of image i starts at (i * layers + layer) * square
                kernels.batchedMatmul(mixing, (long) layer * square, (long) layerCount * square, current, square, other, n, tokens);
                DeviceBuffer swap = current;
                current = other;
                other = swap;
            }
            return new TokenMatrices(current.downloadFloats(n * square), n, 1, tokens);
        }
    }

    /** Image bytes per chunk of a streamed overlay: big enough to keep the GPU busy, small enough to overlap. */
    private static final long CHUNK_BYTES = 16L << 20;

    @Override
    public synchronized RgbImages overlay(Maps maps, RgbImages images, MapRange range, Blend blend) {
        BackendArguments.checkOverlay(maps, images, range);
        int n = maps.n();
        int pixels = images.pixels();
        if (n == 0 || pixels == 0) {
            return new RgbImages(new int[0], n, images.height(), images.width());
        }
        int chunk = (int) Math.max(1, Math.min((n + 3) / 4, CHUNK_BYTES / (4L * pixels))); // at least four chunks when n allows
        while (true) {
            try {
                return new RgbImages(streamOverlay(maps, images, range, blend, chunk), n, images.height(), images.width());
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
        final MapKernels kernels;
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
                kernels = MapKernels.on(stream);
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

    private int[] streamOverlay(Maps batch, RgbImages images, MapRange range, Blend blend, int chunk) {
        int n = batch.n();
        int height = batch.height();
        int width = batch.width();
        int outHeight = images.height();
        int outWidth = images.width();
        float[] maps = batch.values();
        int[] imagesRgb = images.rgb();
        int mapPixels = height * width;
        int pixels = outHeight * outWidth;
        int[] result = new int[n * pixels];
        try (DeviceBuffer lut = device.allocate(4 * 256, "overlay").upload(blend.lut());
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
                lane.stream.upload(lane.maps, lane.hostMaps, 4L * count * mapPixels);
                lane.stream.upload(lane.images, lane.hostImages, 4L * count * pixels);
                if (range instanceof MapRange.Given given) {
                    FloatBuffer ranges = lane.hostRange.floats();
                    for (int i = from; i < from + count; i++) {
                        ranges.put(given.lo()[i]).put(given.hi()[i]);
                    }
                    lane.stream.upload(lane.range, lane.hostRange, 8L * count);
                } else {
                    lane.kernels.upsampledMinMax(lane.maps, lane.range, count, height, width, outHeight, outWidth);
                }
                lane.kernels.overlayFused(lane.maps, lane.range, lane.images, lut, lane.out, count, height, width, outHeight, outWidth,
                        blend.alpha());
                lane.stream.download(lane.hostOut, lane.out, 4L * count * pixels);
                lane.pendingFrom = from;
                lane.pendingCount = count;
            }
            first.drain(result, pixels);
            second.drain(result, pixels);
        }
        return result;
    }

    /** Arrays in device memory of this backend's GPU, freed when the scope closes; see {@link CudaArrayScope}. */
    @Override
    public ArrayScope openScope() {
        return new CudaArrayScope(device, this);
    }

    // The resident ops run the host ops' kernels on the scope's buffers: nothing crosses to the host. An array of another
    // backend's scope takes the interface's default path (download, host op, upload).

    /** {@code array} as a device array of a scope this backend made, or null. */
    private CudaArrayScope.DeviceArray onDevice(ResidentArray array) {
        return array.scope() instanceof CudaArrayScope scope && scope.madeBy(this) ? scope.mine(array) : null;
    }

    private static MapKernels.Reduction reduction(ChannelReduction reduction) {
        return switch (reduction) {
            case MAX_ABS -> MapKernels.Reduction.MAX_ABS;
            case SUM_ABS -> MapKernels.Reduction.SUM_ABS;
            case SUM -> MapKernels.Reduction.SUM;
            case L2 -> MapKernels.Reduction.L2;
        };
    }

    @Override
    public synchronized ResidentArray reduceChannels(ResidentArray features, ChannelReduction reduction) {
        CudaArrayScope.DeviceArray f = onDevice(features);
        int[] s = ResidentArrays.requireRank(features, 4, "features");
        if (f == null || f.length() == 0) {
            return Backend.super.reduceChannels(features, reduction);
        }
        CudaArrayScope.DeviceArray out = f.owner().allocate("reduceChannels", s[0], s[2], s[3]);
        kernels.reduceChannels(f.buffer(), out.buffer(), s[0], s[1], s[2] * s[3], reduction(reduction));
        return out;
    }

    @Override
    public synchronized ResidentArray channelMeans(ResidentArray features) {
        CudaArrayScope.DeviceArray f = onDevice(features);
        int[] s = ResidentArrays.requireRank(features, 4, "features");
        if (f == null || f.length() == 0) {
            return Backend.super.channelMeans(features);
        }
        CudaArrayScope.DeviceArray out = f.owner().allocate("channelMeans", s[0], s[1]);
        kernels.channelMeans(f.buffer(), out.buffer(), s[0], s[1], s[2] * s[3]);
        return out;
    }

    @Override
    public synchronized ResidentArray gradCamPlusPlusWeights(ResidentArray activations, ResidentArray gradients) {
        CudaArrayScope.DeviceArray a = onDevice(activations);
        CudaArrayScope.DeviceArray g = onDevice(gradients);
        int[] s = ResidentArrays.requireRank(activations, 4, "activations");
        BackendArguments.checkSameShape("activations and gradients", s, gradients.shape());
        if (a == null || g == null || a.length() == 0) {
            return Backend.super.gradCamPlusPlusWeights(activations, gradients);
        }
        CudaArrayScope.DeviceArray out = a.owner().allocate("gradCamPlusPlusWeights", s[0], s[1]);
        kernels.gradCamPlusPlusWeights(a.buffer(), g.buffer(), out.buffer(), s[0], s[1], s[2] * s[3]);
        return out;
    }

    @Override
    public synchronized ResidentArray weightedChannelSum(ResidentArray features, ResidentArray weights, boolean relu) {
        CudaArrayScope.DeviceArray f = onDevice(features);
        CudaArrayScope.DeviceArray w = onDevice(weights);
        int[] s = ResidentArrays.requireRank(features, 4, "features");
        BackendArguments.checkSameShape("channel weights", new int[] {s[0], s[1]}, weights.shape());
        if (f == null || w == null || f.length() == 0) {
            return Backend.super.weightedChannelSum(features, weights, relu);
        }
        CudaArrayScope.DeviceArray out = f.owner().allocate("weightedChannelSum", s[0], s[2], s[3]);
        kernels.weightedChannelSum(f.buffer(), w.buffer(), out.buffer(), s[0], s[1], s[2] * s[3], relu);
        return out;
    }

    @Override
    public synchronized ResidentArray upsampleBilinear(ResidentArray maps, int outHeight, int outWidth) {
        BackendArguments.checkSize(outHeight, outWidth);
        CudaArrayScope.DeviceArray m = onDevice(maps);
        int[] s = ResidentArrays.requireRank(maps, 3, "maps");
        if (m == null || (long) m.length() * outHeight * outWidth == 0) {
            return Backend.super.upsampleBilinear(maps, outHeight, outWidth);
        }
        CudaArrayScope.DeviceArray out = m.owner().allocate("upsampleBilinear", s[0], outHeight, outWidth);
        kernels.upsampleBilinear(m.buffer(), out.buffer(), s[0], s[1], s[2], outHeight, outWidth);
        return out;
    }

    @Override
    public synchronized ResidentArray sumBlocks(ResidentArray start, ResidentArray stacked, int blocks) {
        int[] shape = ResidentArrays.blockShape(stacked, blocks);
        if (start != null) {
            BackendArguments.checkSameShape("the start and a block", start.shape(), shape);
        }
        CudaArrayScope.DeviceArray s = onDevice(stacked);
        CudaArrayScope.DeviceArray first = start == null ? null : onDevice(start);
        if (s == null || (start != null && first == null) || s.length() == 0) {
            return Backend.super.sumBlocks(start, stacked, blocks);
        }
        CudaArrayScope.DeviceArray out = s.owner().allocate("sumBlocks", shape);
        kernels.sumBlocks(first == null ? null : first.buffer(), s.buffer(), out.buffer(), out.length(), blocks);
        return out;
    }

    @Override
    public synchronized ResidentArray divide(ResidentArray a, float divisor) {
        CudaArrayScope.DeviceArray x = onDevice(a);
        if (x == null || x.length() == 0) {
            return Backend.super.divide(a, divisor);
        }
        CudaArrayScope.DeviceArray out = x.owner().allocate("divide", a.shape());
        kernels.divide(x.buffer(), out.buffer(), x.length(), divisor);
        return out;
    }

    @Override
    public synchronized ResidentArray gaussianNoise(ResidentArray clean, long[] seeds, double[] sigma, long first, long drawsPerCopy,
                                                    int copies) {
        CudaArrayScope.DeviceArray x = onDevice(clean);
        int[] shape = clean.shape();
        if (x == null || x.length() == 0 || seeds.length != shape[0] || sigma.length != shape[0] || copies < 1 || first < 0
                || drawsPerCopy < 2 * (x.length() / shape[0])) {
            return Backend.super.gaussianNoise(clean, seeds, sigma, first, drawsPerCopy, copies); // its checks, or a host array
        }
        int n = shape[0];
        shape[0] = n * copies;
        long[] sigmaBits = new long[n];
        for (int i = 0; i < n; i++) {
            sigmaBits[i] = Double.doubleToRawLongBits(sigma[i]);
        }
        CudaArrayScope.DeviceArray out = x.owner().allocate("gaussianNoise", shape);
        try (DeviceBuffer seedBuffer = device.allocate(8L * n, "gaussianNoise").upload(words(seeds));
             DeviceBuffer sigmaBuffer = device.allocate(8L * n, "gaussianNoise").upload(words(sigmaBits))) {
            kernels.gaussianNoise(x.buffer(), out.buffer(), seedBuffer, sigmaBuffer, x.length() / n, n, first, drawsPerCopy, copies);
        }
        return out;
    }

    @Override
    public synchronized ResidentArray occlude(ResidentArray image, int[][] corners, int window, float baseline) {
        CudaArrayScope.DeviceArray x = onDevice(image);
        int[] shape = ResidentArrays.requireRank(image, 4, "the image");
        if (x == null || shape[0] != 1 || window < 1 || corners.length == 0 || x.length() == 0) {
            return Backend.super.occlude(image, corners, window, baseline); // its checks, or a host array
        }
        int[] flat = new int[2 * corners.length];
        for (int v = 0; v < corners.length; v++) {
            flat[2 * v] = corners[v][0];
            flat[2 * v + 1] = corners[v][1];
        }
        CudaArrayScope.DeviceArray out = x.owner().allocate("occlude", corners.length, shape[1], shape[2], shape[3]);
        try (DeviceBuffer cornerBuffer = device.allocate(4L * flat.length, "occlude").upload(flat)) {
            kernels.occlude(x.buffer(), out.buffer(), cornerBuffer, shape[1], shape[2], shape[3], window, baseline, corners.length);
        }
        return out;
    }

    @Override
    public synchronized ResidentArray pathPoints(ResidentArray delta, float start, float[] alphas) {
        CudaArrayScope.DeviceArray d = onDevice(delta);
        int[] shape = delta.shape();
        if (d == null || d.length() == 0 || alphas.length < 1) {
            return Backend.super.pathPoints(delta, start, alphas); // its checks, or a host array
        }
        shape[0] *= alphas.length;
        CudaArrayScope.DeviceArray out = d.owner().allocate("pathPoints", shape);
        try (DeviceBuffer steps = device.allocate(4L * alphas.length, "pathPoints").upload(alphas)) {
            kernels.pathPoints(d.buffer(), out.buffer(), steps, d.length(), start, alphas.length);
        }
        return out;
    }

    /** 64-bit values as the device reads them: little-endian pairs of 32-bit words. */
    private static int[] words(long[] values) {
        int[] words = new int[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            words[2 * i] = (int) values[i];
            words[2 * i + 1] = (int) (values[i] >>> 32);
        }
        return words;
    }

    @Override
    public synchronized ResidentArray multiply(ResidentArray a, ResidentArray b) {
        CudaArrayScope.DeviceArray x = onDevice(a);
        CudaArrayScope.DeviceArray y = onDevice(b);
        int[] s = a.shape();
        BackendArguments.checkSameShape("factors", s, b.shape());
        if (x == null || y == null || x.length() == 0) {
            return Backend.super.multiply(a, b);
        }
        CudaArrayScope.DeviceArray out = x.owner().allocate("multiply", s);
        engineKernels.multiply(x.buffer(), y.buffer(), out.buffer(), x.length(), 1, false);
        return out;
    }

    @Override
    public synchronized void close() {
        fallback.close();
        device.close();
    }
}
