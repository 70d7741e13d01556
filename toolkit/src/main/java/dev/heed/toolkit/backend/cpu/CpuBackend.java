package dev.heed.toolkit.backend.cpu;

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
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.TokenMatrices;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The reference backend: plain Java, one map per task on a private fork-join pool. Every other backend is checked
 * against this one. Sums accumulate in double so the reference is more accurate than what it checks.
 */
public final class CpuBackend implements Backend {
    private final ForkJoinPool pool;

    public CpuBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.pool = new ForkJoinPool(threads);
    }

    @Override
    public String id() {
        return "cpu";
    }

    private void forEach(int count, IntConsumer body) {
        if (count == 1) {
            body.accept(0);
            return;
        }
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(body)).join();
    }

    @Override
    public Maps reduceChannels(Features batch, ChannelReduction reduction) {
        float[] features = batch.values();
        int n = batch.n();
        int channels = batch.channels();
        int plane = batch.plane();
        float[] out = new float[n * plane];
        forEach(n, i -> {
            int base = i * channels * plane;
            for (int p = 0; p < plane; p++) {
                double acc = 0;
                for (int c = 0; c < channels; c++) {
                    double v = features[base + c * plane + p];
                    acc = switch (reduction) {
                        case MAX_ABS -> Math.max(acc, Math.abs(v));
                        case SUM_ABS -> acc + Math.abs(v);
                        case SUM -> acc + v;
                        case L2 -> acc + v * v;
                    };
                }
                out[i * plane + p] = (float) (reduction == ChannelReduction.L2 ? Math.sqrt(acc) : acc);
            }
        });
        return new Maps(out, n, batch.height(), batch.width());
    }

    @Override
    public float[] channelMeans(Features batch) {
        float[] features = batch.values();
        int n = batch.n();
        int channels = batch.channels();
        int plane = batch.plane();
        float[] out = new float[n * channels];
        forEach(n, i -> {
            for (int c = 0; c < channels; c++) {
                int base = (i * channels + c) * plane;
                double sum = 0;
                for (int p = 0; p < plane; p++) {
                    sum += features[base + p];
                }
                out[i * channels + c] = (float) (sum / plane);
            }
        });
        return out;
    }

    @Override
    public float[] gradCamPlusPlusWeights(Features activationBatch, Features gradientBatch) {
        BackendArguments.checkSameShape(activationBatch, gradientBatch);
        float[] activations = activationBatch.values();
        float[] gradients = gradientBatch.values();
        int n = activationBatch.n();
        int channels = activationBatch.channels();
        int plane = activationBatch.plane();
        float[] out = new float[n * channels];
        forEach(n, i -> {
            for (int c = 0; c < channels; c++) {
                int base = (i * channels + c) * plane;
                double activationSum = 0;
                for (int p = 0; p < plane; p++) {
                    activationSum += activations[base + p];
                }
                double weight = 0;
                for (int p = 0; p < plane; p++) {
                    double g = gradients[base + p];
                    double g2 = g * g;
                    double denominator = 2 * g2 + activationSum * g2 * g;
                    double alpha = denominator != 0 ? g2 / denominator : 0;
                    weight += alpha * Math.max(g, 0);
                }
                out[i * channels + c] = (float) weight;
            }
        });
        return out;
    }

    @Override
    public Maps weightedChannelSum(Features batch, float[] weights, boolean relu) {
        BackendArguments.checkWeights(batch, weights);
        float[] features = batch.values();
        int n = batch.n();
        int channels = batch.channels();
        int plane = batch.plane();
        float[] out = new float[n * plane];
        forEach(n, i -> {
            double[] acc = new double[plane];
            for (int c = 0; c < channels; c++) {
                double w = weights[i * channels + c];
                int base = (i * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    acc[p] += w * features[base + p];
                }
            }
            for (int p = 0; p < plane; p++) {
                out[i * plane + p] = (float) (relu ? Math.max(acc[p], 0) : acc[p]);
            }
        });
        return new Maps(out, n, batch.height(), batch.width());
    }

    @Override
    public Maps upsampleBilinear(Maps batch, int outHeight, int outWidth) {
        BackendArguments.checkSize(outHeight, outWidth);
        float[] maps = batch.values();
        int n = batch.n();
        int height = batch.height();
        int width = batch.width();
        float[] out = new float[n * outHeight * outWidth];
        ColumnTable columns = new ColumnTable(width, outWidth);
        forEach(n, i -> upsampleMap(maps, i * height * width, height, width, outHeight, columns, out, i * outHeight * outWidth));
        return new Maps(out, n, outHeight, outWidth);
    }

    /** The source columns and weight of every output column, once per call rather than once per pixel. */
    private static final class ColumnTable {
        final int[] x0s;
        final int[] x1s;
        final double[] fxs;

        ColumnTable(int width, int outWidth) {
            x0s = new int[outWidth];
            x1s = new int[outWidth];
            fxs = new double[outWidth];
            double scaleX = (double) width / outWidth;
            for (int x = 0; x < outWidth; x++) {
                double sx = Math.max((x + 0.5) * scaleX - 0.5, 0);
                x0s[x] = Math.min((int) sx, width - 1);
                x1s[x] = Math.min(x0s[x] + 1, width - 1);
                fxs[x] = sx - x0s[x];
            }
        }
    }

    /**
     * One map from {@code maps[in..]} resized into {@code out[o..]}, half-pixel centres, edges clamped. Separably: each
     * output row first blends its two source rows (in double), then each pixel its two columns of that blend, which
     * is the bilinear formula with half the per-pixel work.
     */
    private static void upsampleMap(float[] maps, int in, int height, int width, int outHeight, ColumnTable columns, float[] out, int o) {
        int outWidth = columns.fxs.length;
        double scaleY = (double) height / outHeight;
        double[] row = new double[width];
        for (int y = 0; y < outHeight; y++) {
            double sy = Math.max((y + 0.5) * scaleY - 0.5, 0);
            int y0 = Math.min((int) sy, height - 1);
            int y1 = Math.min(y0 + 1, height - 1);
            double fy = sy - y0;
            int row0 = in + y0 * width;
            int row1 = in + y1 * width;
            for (int x = 0; x < width; x++) {
                row[x] = maps[row0 + x] * (1 - fy) + maps[row1 + x] * fy;
            }
            int target = o + y * outWidth;
            for (int x = 0; x < outWidth; x++) {
                double fx = columns.fxs[x];
                out[target + x] = (float) (row[columns.x0s[x]] * (1 - fx) + row[columns.x1s[x]] * fx);
            }
        }
    }

    @Override
    public float[] minMax(Maps batch) {
        float[] maps = batch.values();
        int n = batch.n();
        int pixels = batch.pixels();
        float[] out = new float[2 * n];
        forEach(n, i -> {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < pixels; p++) {
                float v = maps[i * pixels + p];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            out[2 * i] = lo;
            out[2 * i + 1] = hi;
        });
        return out;
    }

    @Override
    public Maps normalize(Maps batch, MapRange range) {
        MapRange.Given given = range.over(batch, this);
        float[] maps = batch.values();
        int n = batch.n();
        int pixels = batch.pixels();
        float[] lo = given.lo();
        float[] hi = given.hi();
        float[] out = new float[n * pixels];
        forEach(n, i -> {
            double scale = scaleOf(lo[i], hi[i]);
            for (int p = 0; p < pixels; p++) {
                out[i * pixels + p] = (float) Math.min(1, Math.max(0, (maps[i * pixels + p] - lo[i]) * scale));
            }
        });
        return new Maps(out, n, batch.height(), batch.width());
    }

    @Override
    public RgbImages colorizeBlend(Maps maps, RgbImages images, Blend colouring) {
        BackendArguments.checkPerPixel(maps, images);
        float[] unitMaps = maps.values();
        int[] imagesRgb = images.rgb();
        int[] lutRgb = colouring.lut();
        int n = maps.n();
        int pixels = maps.pixels();
        byte[] blend = blendTable(colouring.alpha());
        int[] out = new int[n * pixels];
        forEach(n, i -> {
            for (int p = 0; p < pixels; p++) {
                int k = i * pixels + p;
                out[k] = blendPixel(unitMaps[k], imagesRgb[k], lutRgb, blend);
            }
        });
        return new RgbImages(out, n, images.height(), images.width());
    }

    /**
     * Every (image level, colour level) pair blended once: 64 Ki table entries instead of 3 roundings per pixel, with
     * the same formula, so the result is bit-identical to {@code Overlay.blend}.
     */
    private static byte[] blendTable(float alpha) {
        byte[] blend = new byte[256 * 256];
        for (int base = 0; base < 256; base++) {
            for (int heat = 0; heat < 256; heat++) {
                blend[base << 8 | heat] = (byte) Math.min(255, Math.max(0, Math.round((1 - alpha) * (double) base + alpha * (double) heat)));
            }
        }
        return blend;
    }

    /** LUT index {@code floor(unit * 256)} clamped to 255 (matplotlib's rule), then the blend per channel. */
    private static int blendPixel(float unit, int image, int[] lutRgb, byte[] blend) {
        return blendIndex(Math.min(255, Math.max(0, (int) Math.floor(unit * 256.0))), image, lutRgb, blend);
    }

    private static int blendIndex(int index, int image, int[] lutRgb, byte[] blend) {
        int heatRgb = lutRgb[index];
        int r = blend[(image >> 8 & 0xFF00) | (heatRgb >> 16 & 0xFF)] & 0xFF;
        int g = blend[(image & 0xFF00) | (heatRgb >> 8 & 0xFF)] & 0xFF;
        int b = blend[(image << 8 & 0xFF00) | (heatRgb & 0xFF)] & 0xFF;
        return r << 16 | g << 8 | b;
    }

    /**
     * {@code 1 / (hi - lo)} in double, zero for an empty range: normalising multiplies a float difference by it (the
     * CUDA kernels do the same), which is cheaper than a division per pixel and identical on both backends.
     */
    private static double scaleOf(float lo, float hi) {
        double span = (double) hi - lo;
        return span > 0 ? 1 / span : 0;
    }

    /**
     * The colour-table index of {@code v}: exactly {@code colorizeBlend}'s index of {@code normalize}'s value, without
     * {@code Math.min}/{@code max}/{@code floor} on doubles (slow for their NaN and -0 rules, which cannot change the
     * index here: a NaN gives index 0 both ways, -0 and +0 the same index).
     */
    private static int lutIndex(float v, float lo, double scale) {
        double u = (v - lo) * scale;
        float unit = (float) (u > 1 ? 1 : (u >= 0 ? u : 0));
        int index = (int) (unit * 256.0); // unit >= 0, so truncation is floor
        return index > 255 ? 255 : index;
    }

    /**
     * The four overlay ops fused per map: the map is upsampled into one scratch array, its range taken (unless given),
     * and each pixel normalised, coloured and blended straight into the result, with the same arithmetic as the
     * separate ops, so the pixels are identical to theirs (tested) without three batch-sized intermediate arrays.
     */
    @Override
    public RgbImages overlay(Maps batch, RgbImages images, MapRange range, Blend colouring) {
        BackendArguments.checkOverlay(batch, images, range);
        float[] maps = batch.values();
        int n = batch.n();
        int height = batch.height();
        int width = batch.width();
        int[] imagesRgb = images.rgb();
        int outHeight = images.height();
        int outWidth = images.width();
        int[] lutRgb = colouring.lut();
        int mapPixels = height * width;
        int pixels = outHeight * outWidth;
        if (n == 0 || pixels == 0) {
            return new RgbImages(new int[n * pixels], n, outHeight, outWidth);
        }
        MapRange.Given given = range instanceof MapRange.Given g ? g : null; // null: each map's own range, after upsampling
        byte[] blend = blendTable(colouring.alpha());
        ColumnTable columns = new ColumnTable(width, outWidth);
        int[] out = new int[n * pixels];
        forEach(n, i -> {
            float[] up = new float[pixels];
            upsampleMap(maps, i * mapPixels, height, width, outHeight, columns, up, 0);
            float low;
            float high;
            if (given != null) {
                low = given.lo()[i];
                high = given.hi()[i];
            } else {
                low = Float.POSITIVE_INFINITY;
                high = Float.NEGATIVE_INFINITY;
                for (float v : up) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
            double scale = scaleOf(low, high);
            int base = i * pixels;
            for (int p = 0; p < pixels; p++) {
                out[base + p] = blendIndex(lutIndex(up[p], low, scale), imagesRgb[base + p], lutRgb, blend);
            }
        });
        return new RgbImages(out, n, outHeight, outWidth);
    }

    @Override
    public TokenMatrices attentionProbabilities(HeadVectors queries, HeadVectors keys, KeyMask mask, float scale) {
        BackendArguments.checkAttention(queries, keys, mask);
        float[] q = queries.values();
        float[] k = keys.values();
        float[] keyMask = mask instanceof KeyMask.Valid valid ? valid.values() : null; // null: every key valid
        int n = queries.n();
        int heads = queries.heads();
        int tokens = queries.tokens();
        int headDim = queries.dim();
        float[] out = new float[n * heads * tokens * tokens];
        forEach(n * heads, task -> {
            int image = task / heads;
            int qkBase = task * tokens * headDim;
            int outBase = task * tokens * tokens;
            double[] logits = new double[tokens];
            for (int query = 0; query < tokens; query++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int key = 0; key < tokens; key++) {
                    if (keyMask != null && keyMask[image * tokens + key] == 0f) {
                        logits[key] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[qkBase + query * headDim + d] * k[qkBase + key * headDim + d];
                    }
                    logits[key] = dot * scale;
                    max = Math.max(max, logits[key]);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    continue; // every key masked: the row stays zero rather than NaN
                }
                double sum = 0;
                for (int key = 0; key < tokens; key++) {
                    logits[key] = Math.exp(logits[key] - max);
                    sum += logits[key];
                }
                for (int key = 0; key < tokens; key++) {
                    out[outBase + query * tokens + key] = (float) (logits[key] / sum);
                }
            }
        });
        return new TokenMatrices(out, n, heads, tokens);
    }

    @Override
    public TokenMatrices fuseHeads(TokenMatrices batch, HeadFusion fusion) {
        float[] attention = batch.values();
        int n = batch.n();
        int heads = batch.count();
        int tokens = batch.tokens();
        int square = tokens * tokens;
        float[] out = new float[n * square];
        forEach(n, image -> {
            for (int p = 0; p < square; p++) {
                double acc = fusion == HeadFusion.MAX ? Double.NEGATIVE_INFINITY
                        : fusion == HeadFusion.MIN ? Double.POSITIVE_INFINITY : 0;
                for (int h = 0; h < heads; h++) {
                    double v = attention[(image * heads + h) * square + p];
                    acc = switch (fusion) {
                        case MEAN -> acc + v;
                        case MAX -> Math.max(acc, v);
                        case MIN -> Math.min(acc, v);
                        case MEAN_OF_POSITIVE -> acc + Math.max(0, v);
                    };
                }
                boolean averaged = fusion == HeadFusion.MEAN || fusion == HeadFusion.MEAN_OF_POSITIVE;
                out[image * square + p] = (float) (averaged ? acc / heads : acc);
            }
        });
        return new TokenMatrices(out, n, 1, tokens);
    }

    @Override
    public double[] percentiles(Maps batch, double lowPct, double highPct) {
        BackendArguments.checkPercentiles(lowPct, highPct);
        float[] maps = batch.values();
        int n = batch.n();
        int pixels = batch.pixels();
        double[] out = new double[2 * n];
        forEach(n, i -> {
            double[] bounds = Percentiles.bySorting(maps, i * pixels, pixels, lowPct, highPct);
            out[2 * i] = bounds[0];
            out[2 * i + 1] = bounds[1];
        });
        return out;
    }

    @Override
    public TokenMatrices rollout(TokenMatrices batch, float discardRatio, boolean renormalise) {
        float[] layers = batch.values();
        int n = batch.n();
        int layerCount = batch.count();
        int tokens = batch.tokens();
        int square = tokens * tokens;
        int discard = BackendArguments.discardCount(discardRatio, tokens);
        float[] out = new float[n * square];
        forEach(n, image -> {
            double[] chained = identity(tokens);
            for (int layer = 0; layer < layerCount; layer++) {
                double[] mixing = residualMixing(layers, (image * layerCount + layer) * square, tokens, discard,
                        renormalise);
                chained = multiply(mixing, chained, tokens);
            }
            for (int p = 0; p < square; p++) {
                out[image * square + p] = (float) chained[p];
            }
        });
        return new TokenMatrices(out, n, 1, tokens);
    }

    private static double[] identity(int tokens) {
        double[] m = new double[tokens * tokens];
        for (int i = 0; i < tokens; i++) {
            m[i * tokens + i] = 1;
        }
        return m;
    }

    /** {@code A} with its smallest off-diagonal entries discarded, plus {@code I}, rows renormalised when asked. */
    private static double[] residualMixing(float[] layers, int base, int tokens, int discard, boolean renormalise) {
        double[] m = new double[tokens * tokens];
        for (int p = 0; p < m.length; p++) {
            m[p] = layers[base + p];
        }
        int offDiagonal = tokens * tokens - tokens;
        if (discard > 0) {
            // value then index in one primitive sort key: the float's bits made order-preserving as a signed int
            // (NaN last), above the entry's index, so ties go to the lower index first
            long[] order = new long[offDiagonal];
            int slot = 0;
            for (int p = 0; p < m.length; p++) {
                if (p / tokens != p % tokens) {
                    int bits = Float.floatToIntBits(layers[base + p]);
                    int key = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
                    order[slot++] = ((long) key << 32) | p;
                }
            }
            java.util.Arrays.sort(order);
            for (int r = 0; r < discard; r++) {
                m[(int) order[r]] = 0;
            }
        }
        for (int i = 0; i < tokens; i++) {
            m[i * tokens + i] += 1;
        }
        if (renormalise) {
            for (int row = 0; row < tokens; row++) {
                double sum = 0;
                for (int col = 0; col < tokens; col++) {
                    sum += m[row * tokens + col];
                }
                for (int col = 0; col < tokens; col++) {
                    m[row * tokens + col] /= sum;
                }
            }
        }
        return m;
    }

    private static double[] multiply(double[] left, double[] right, int size) {
        double[] out = new double[size * size];
        for (int row = 0; row < size; row++) {
            for (int mid = 0; mid < size; mid++) {
                double l = left[row * size + mid];
                if (l == 0) {
                    continue;
                }
                for (int col = 0; col < size; col++) {
                    out[row * size + col] += l * right[mid * size + col];
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
