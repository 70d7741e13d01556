package dev.heed.toolkit.engine.cpu;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Window;

/**
 * The maths of each plan op on one batch, forward and backward-data, over flat row-major float arrays. Sums run in
 * double. Backward methods return the gradient with respect to the op's input (or add into it, for ops with several
 * consumers of one gradient), given the gradient with respect to its output and whatever forward values it needs.
 */
final class ReferenceKernels {
    private ReferenceKernels() {
    }

    /** {@code y[n][o] = b[o] + sum_i w[o][i] x[n][i]}, w {@code [out][in]}. */
    static float[] denseForward(float[] x, int batch, float[] w, float[] bias, int in, int out) {
        float[] y = new float[batch * out];
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[o];
                int row = o * in;
                int xRow = n * in;
                for (int i = 0; i < in; i++) {
                    acc += (double) w[row + i] * x[xRow + i];
                }
                y[n * out + o] = (float) acc;
            }
        }
        return y;
    }

    /** {@code gx[n][i] = sum_o w[o][i] g[n][o]}. */
    static float[] denseBackward(float[] g, int batch, float[] w, int in, int out) {
        float[] gx = new float[batch * in];
        double[] acc = new double[in];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(acc, 0);
            for (int o = 0; o < out; o++) {
                double go = g[n * out + o];
                if (go == 0) {
                    continue;
                }
                int row = o * in;
                for (int i = 0; i < in; i++) {
                    acc[i] += go * w[row + i];
                }
            }
            for (int i = 0; i < in; i++) {
                gx[n * in + i] = (float) acc[i];
            }
        }
        return gx;
    }

    /** Geometry of a windowed op on one input size, computed once per call. */
    record Geometry(int channels, int inH, int inW, int outH, int outW, Window window) {
        static Geometry of(int channels, int inH, int inW, Window window) {
            return new Geometry(channels, inH, inW, window.outputHeight(inH), window.outputWidth(inW), window);
        }

        int rowAt(int i, int u) {
            return i * window.strideH() - window.padding().top() + u * window.dilationH();
        }

        int columnAt(int j, int v) {
            return j * window.strideW() - window.padding().left() + v * window.dilationW();
        }
    }

    /**
     * One sample's columns over input channels {@code [c0, c0 + count)} (one group's): {@code col[(c*kh + u)*kw + v][i*outW + j]}
     * is the input under kernel tap (u, v) of channel {@code c0 + c} for output pixel (i, j), zero in the padding.
     */
    private static void im2col(float[] x, int offset, Geometry g, float[] col, int c0, int count) {
        Window w = g.window();
        int pixels = g.outH() * g.outW();
        for (int c = 0; c < count; c++) {
            for (int u = 0; u < w.kernelH(); u++) {
                for (int v = 0; v < w.kernelW(); v++) {
                    int row = ((c * w.kernelH() + u) * w.kernelW() + v) * pixels;
                    for (int i = 0; i < g.outH(); i++) {
                        int y = g.rowAt(i, u);
                        for (int j = 0; j < g.outW(); j++) {
                            int xx = g.columnAt(j, v);
                            col[row + i * g.outW() + j] = y >= 0 && y < g.inH() && xx >= 0 && xx < g.inW()
                                    ? x[offset + ((c0 + c) * g.inH() + y) * g.inW() + xx] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** The transpose of {@link #im2col}: adds each column value back onto the input pixel it came from. */
    private static void col2im(double[] col, Geometry g, float[] gx, int offset, int c0, int count) {
        Window w = g.window();
        int pixels = g.outH() * g.outW();
        for (int c = 0; c < count; c++) {
            for (int u = 0; u < w.kernelH(); u++) {
                for (int v = 0; v < w.kernelW(); v++) {
                    int row = ((c * w.kernelH() + u) * w.kernelW() + v) * pixels;
                    for (int i = 0; i < g.outH(); i++) {
                        int y = g.rowAt(i, u);
                        if (y < 0 || y >= g.inH()) {
                            continue;
                        }
                        for (int j = 0; j < g.outW(); j++) {
                            int xx = g.columnAt(j, v);
                            if (xx >= 0 && xx < g.inW()) {
                                gx[offset + ((c0 + c) * g.inH() + y) * g.inW() + xx] += (float) col[row + i * g.outW() + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Convolution by im2col and a GEMM per group, {@code y[o][p] = b[o] + sum_r w[o][r] col[r][p]}, w {@code [out][in/groups*kh*kw]}:
     * output channel o reads the columns of its group's input channels only.
     */
    static float[] convForward(float[] x, int batch, Geometry g, float[] w, float[] bias, int outChannels, int groups) {
        int inPerGroup = g.channels() / groups;
        int outPerGroup = outChannels / groups;
        int taps = inPerGroup * g.window().kernelH() * g.window().kernelW();
        int pixels = g.outH() * g.outW();
        float[] col = new float[taps * pixels];
        float[] y = new float[batch * outChannels * pixels];
        double[] acc = new double[pixels];
        int inSize = g.channels() * g.inH() * g.inW();
        for (int n = 0; n < batch; n++) {
            for (int group = 0; group < groups; group++) {
                im2col(x, n * inSize, g, col, group * inPerGroup, inPerGroup);
                for (int o = group * outPerGroup; o < (group + 1) * outPerGroup; o++) {
                    java.util.Arrays.fill(acc, bias == null ? 0 : bias[o]);
                    for (int r = 0; r < taps; r++) {
                        double wr = w[o * taps + r];
                        if (wr == 0) {
                            continue;
                        }
                        int row = r * pixels;
                        for (int p = 0; p < pixels; p++) {
                            acc[p] += wr * col[row + p];
                        }
                    }
                    int out = (n * outChannels + o) * pixels;
                    for (int p = 0; p < pixels; p++) {
                        y[out + p] = (float) acc[p];
                    }
                }
            }
        }
        return y;
    }

    /** Backward-data of a (grouped) convolution: per group {@code gcol[r][p] = sum_o w[o][r] g[o][p]}, then col2im. */
    static float[] convBackward(float[] gy, int batch, Geometry g, float[] w, int outChannels, int groups) {
        int inPerGroup = g.channels() / groups;
        int outPerGroup = outChannels / groups;
        int taps = inPerGroup * g.window().kernelH() * g.window().kernelW();
        int pixels = g.outH() * g.outW();
        double[] col = new double[taps * pixels];
        int inSize = g.channels() * g.inH() * g.inW();
        float[] gx = new float[batch * inSize];
        for (int n = 0; n < batch; n++) {
            for (int group = 0; group < groups; group++) {
                java.util.Arrays.fill(col, 0);
                for (int o = group * outPerGroup; o < (group + 1) * outPerGroup; o++) {
                    int gOffset = (n * outChannels + o) * pixels;
                    for (int r = 0; r < taps; r++) {
                        double wr = w[o * taps + r];
                        if (wr == 0) {
                            continue;
                        }
                        int row = r * pixels;
                        for (int p = 0; p < pixels; p++) {
                            col[row + p] += wr * gy[gOffset + p];
                        }
                    }
                }
                col2im(col, g, gx, n * inSize, group * inPerGroup, inPerGroup);
            }
        }
        return gx;
    }

    /** {@code y = scale[c] x + shift[c]}, {@code plane} values per channel (1 for flat tensors). */
    static float[] affineForward(float[] x, int batch, int channels, int plane, float[] scale, float[] shift) {
        float[] y = new float[x.length];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                int base = (n * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    y[base + p] = (float) ((double) scale[c] * x[base + p] + shift[c]);
                }
            }
        }
        return y;
    }

    static float[] affineBackward(float[] g, int batch, int channels, int plane, float[] scale) {
        float[] gx = new float[g.length];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < channels; c++) {
                int base = (n * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    gx[base + p] = g[base + p] * scale[c];
                }
            }
        }
        return gx;
    }

    /** {@code alpha} and {@code beta} as {@code Op.Activation} defines them per kind. */
    static float[] activationForward(float[] x, ActivationKind kind, double alpha, double beta) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            y[i] = (float) switch (kind) {
                case RELU -> v > 0 ? v : 0;
                case LEAKY_RELU -> v > 0 ? v : alpha * v;
                case SIGMOID -> 1 / (1 + Math.exp(-v));
                case TANH -> Math.tanh(v);
                case CLIP -> Math.min(Math.max(v, alpha), beta);
                case HARD_SIGMOID -> Math.max(0, Math.min(1, alpha * v + beta));
                case HARD_SWISH -> v * Math.min(Math.max(v + 3, 0), 6) / 6;
                case GELU -> 0.5 * v * (1 + TransformerKernels.erf(v / Math.sqrt(2)));
            };
        }
        return y;
    }

    /**
     * From the op's input {@code x} and output {@code y}; {@code guided} applies to RELU only. Kinks as {@link
     * ActivationKind} documents them (torch's choices).
     */
    static float[] activationBackward(float[] g, float[] x, float[] y, ActivationKind kind, double alpha, double beta, boolean guided) {
        float[] gx = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            double gi = g[i];
            double v = x[i];
            gx[i] = (float) switch (kind) {
                case RELU -> v > 0 && (!guided || gi > 0) ? gi : 0;
                case LEAKY_RELU -> v > 0 ? gi : alpha * gi;
                case SIGMOID -> gi * y[i] * (1 - (double) y[i]);
                case TANH -> gi * (1 - (double) y[i] * y[i]);
                case CLIP -> v > alpha && v < beta ? gi : 0;
                case HARD_SIGMOID -> alpha * v + beta > 0 && alpha * v + beta < 1 ? alpha * gi : 0;
                case HARD_SWISH -> v < -3 ? 0 : v <= 3 ? gi * (v / 3 + 0.5) : gi;
                case GELU -> gi * (0.5 * (1 + TransformerKernels.erf(v / Math.sqrt(2))) + v * Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI));
            };
        }
        return gx;
    }

    /** {@code y = a * b}, b repeated over runs of {@code repeat} values of a (1: same shape; a plane: per channel). */
    static float[] multiplyForward(float[] a, float[] b, int repeat) {
        float[] y = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = a[i] * b[i / repeat];
        }
        return y;
    }

    /** The product's gradient with respect to b: {@code g * a}, summed over each run of {@code repeat} values. */
    static float[] multiplyBackwardBroadcast(float[] g, float[] a, int repeat) {
        float[] gb = new float[a.length / repeat];
        for (int k = 0; k < gb.length; k++) {
            double acc = 0;
            for (int i = k * repeat; i < (k + 1) * repeat; i++) {
                acc += (double) g[i] * a[i];
            }
            gb[k] = (float) acc;
        }
        return gb;
    }

    /** Max or average pooling; max ties go to the first position in window order. */
    static float[] poolForward(float[] x, int batch, Geometry g, PoolKind kind, boolean countPadding) {
        int planeIn = g.inH() * g.inW();
        int planeOut = g.outH() * g.outW();
        float[] y = new float[batch * g.channels() * planeOut];
        for (int nc = 0; nc < batch * g.channels(); nc++) {
            for (int i = 0; i < g.outH(); i++) {
                for (int j = 0; j < g.outW(); j++) {
                    int winner = kind == PoolKind.MAX ? argMax(x, nc * planeIn, g, i, j) : -1;
                    double value;
                    if (kind == PoolKind.MAX) {
                        value = winner < 0 ? 0 : x[winner];
                    } else {
                        double sum = 0;
                        int count = 0;
                        for (int u = 0; u < g.window().kernelH(); u++) {
                            int r = g.rowAt(i, u);
                            for (int v = 0; v < g.window().kernelW(); v++) {
                                int c = g.columnAt(j, v);
                                if (r >= 0 && r < g.inH() && c >= 0 && c < g.inW()) {
                                    sum += x[nc * planeIn + r * g.inW() + c];
                                    count++;
                                }
                            }
                        }
                        value = sum / divisor(g, count, countPadding);
                    }
                    y[nc * planeOut + i * g.outW() + j] = (float) value;
                }
            }
        }
        return y;
    }

    static float[] poolBackward(float[] gy, float[] x, int batch, Geometry g, PoolKind kind, boolean countPadding) {
        int planeIn = g.inH() * g.inW();
        int planeOut = g.outH() * g.outW();
        float[] gx = new float[batch * g.channels() * planeIn];
        for (int nc = 0; nc < batch * g.channels(); nc++) {
            for (int i = 0; i < g.outH(); i++) {
                for (int j = 0; j < g.outW(); j++) {
                    float grad = gy[nc * planeOut + i * g.outW() + j];
                    if (grad == 0) {
                        continue;
                    }
                    if (kind == PoolKind.MAX) {
                        int winner = argMax(x, nc * planeIn, g, i, j);
                        if (winner >= 0) {
                            gx[winner] += grad;
                        }
                        continue;
                    }
                    int count = 0;
                    for (int u = 0; u < g.window().kernelH(); u++) {
                        for (int v = 0; v < g.window().kernelW(); v++) {
                            int r = g.rowAt(i, u);
                            int c = g.columnAt(j, v);
                            if (r >= 0 && r < g.inH() && c >= 0 && c < g.inW()) {
                                count++;
                            }
                        }
                    }
                    float share = (float) (grad / divisor(g, count, countPadding));
                    for (int u = 0; u < g.window().kernelH(); u++) {
                        for (int v = 0; v < g.window().kernelW(); v++) {
                            int r = g.rowAt(i, u);
                            int c = g.columnAt(j, v);
                            if (r >= 0 && r < g.inH() && c >= 0 && c < g.inW()) {
                                gx[nc * planeIn + r * g.inW() + c] += share;
                            }
                        }
                    }
                }
            }
        }
        return gx;
    }

    private static double divisor(Geometry g, int inside, boolean countPadding) {
        return countPadding ? g.window().kernelH() * g.window().kernelW() : Math.max(1, inside);
    }

    /** Index into {@code x} of the window's first largest value, or -1 when the window lies wholly in the padding. */
    private static int argMax(float[] x, int plane, Geometry g, int i, int j) {
        int best = -1;
        for (int u = 0; u < g.window().kernelH(); u++) {
            int r = g.rowAt(i, u);
            if (r < 0 || r >= g.inH()) {
                continue;
            }
            for (int v = 0; v < g.window().kernelW(); v++) {
                int c = g.columnAt(j, v);
                if (c >= 0 && c < g.inW()) {
                    int at = plane + r * g.inW() + c;
                    if (best < 0 || x[at] > x[best]) {
                        best = at;
                    }
                }
            }
        }
        return best;
    }

    static float[] globalPoolForward(float[] x, int batch, int channels, int plane, PoolKind kind) {
        float[] y = new float[batch * channels];
        for (int nc = 0; nc < batch * channels; nc++) {
            int base = nc * plane;
            double acc = kind == PoolKind.MAX ? x[base] : 0;
            for (int p = 0; p < plane; p++) {
                acc = kind == PoolKind.MAX ? Math.max(acc, x[base + p]) : acc + x[base + p];
            }
            y[nc] = (float) (kind == PoolKind.AVG ? acc / plane : acc);
        }
        return y;
    }

    static float[] globalPoolBackward(float[] gy, float[] x, int batch, int channels, int plane, PoolKind kind) {
        float[] gx = new float[batch * channels * plane];
        for (int nc = 0; nc < batch * channels; nc++) {
            int base = nc * plane;
            if (kind == PoolKind.MAX) {
                int best = base;
                for (int p = 1; p < plane; p++) {
                    if (x[base + p] > x[best]) {
                        best = base + p;
                    }
                }
                gx[best] = gy[nc];
            } else {
                float share = kind == PoolKind.AVG ? (float) ((double) gy[nc] / plane) : gy[nc];
                java.util.Arrays.fill(gx, base, base + plane, share);
            }
        }
        return gx;
    }

    static float[] zeroPadForward(float[] x, int batch, int channels, int inH, int inW, Padding p) {
        int outH = inH + p.top() + p.bottom();
        int outW = inW + p.left() + p.right();
        float[] y = new float[batch * channels * outH * outW];
        for (int nc = 0; nc < batch * channels; nc++) {
            for (int r = 0; r < inH; r++) {
                System.arraycopy(x, (nc * inH + r) * inW, y, (nc * outH + r + p.top()) * outW + p.left(), inW);
            }
        }
        return y;
    }

    static float[] zeroPadBackward(float[] gy, int batch, int channels, int inH, int inW, Padding p) {
        int outH = inH + p.top() + p.bottom();
        int outW = inW + p.left() + p.right();
        float[] gx = new float[batch * channels * inH * inW];
        for (int nc = 0; nc < batch * channels; nc++) {
            for (int r = 0; r < inH; r++) {
                System.arraycopy(gy, (nc * outH + r + p.top()) * outW + p.left(), gx, (nc * inH + r) * inW, inW);
            }
        }
        return gx;
    }

    /** Channel concatenation: each source contributes {@code sizes[k]} consecutive values per sample. */
    static float[] concatForward(float[][] sources, int[] sizes, int batch) {
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        float[] y = new float[batch * total];
        for (int n = 0; n < batch; n++) {
            int at = n * total;
            for (int k = 0; k < sources.length; k++) {
                System.arraycopy(sources[k], n * sizes[k], y, at, sizes[k]);
                at += sizes[k];
            }
        }
        return y;
    }

    /** The part of a concatenation's gradient that belongs to source {@code k}. */
    static float[] concatBackward(float[] gy, int[] sizes, int k, int batch) {
        int total = 0;
        int before = 0;
        for (int i = 0; i < sizes.length; i++) {
            total += sizes[i];
            if (i < k) {
                before += sizes[i];
            }
        }
        float[] gx = new float[batch * sizes[k]];
        for (int n = 0; n < batch; n++) {
            System.arraycopy(gy, n * total + before, gx, n * sizes[k], sizes[k]);
        }
        return gx;
    }
}
