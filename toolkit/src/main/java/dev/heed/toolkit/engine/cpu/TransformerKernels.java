package dev.heed.toolkit.engine.cpu;

/**
 * The reference maths of the transformer ops (matrix products per head, layer norm, masked softmax, transposes,
 * embedding gathers), forward and backward-data, over flat row-major float arrays with the batch first. Sums run in
 * double, as in {@link ReferenceKernels}.
 */
final class TransformerKernels {
    private TransformerKernels() {
    }

    /**
     * {@code c = scale * op(a) op(b)} for {@code count} independent products (batch times heads): {@code op(a)}
     * {@code [m, k]}, stored {@code [k, m]} when {@code ta}; {@code op(b)} {@code [k, n]}, stored {@code [n, k]} when
     * {@code tb}.
     */
    static float[] gemm(float[] a, boolean ta, float[] b, boolean tb, int count, int m, int n, int k, double scale) {
        float[] c = new float[count * m * n];
        for (int p = 0; p < count; p++) {
            int ao = p * m * k;
            int bo = p * k * n;
            int co = p * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int q = 0; q < k; q++) {
                        double x = ta ? a[ao + q * m + i] : a[ao + i * k + q];
                        double y = tb ? b[bo + j * k + q] : b[bo + q * n + j];
                        acc += x * y;
                    }
                    c[co + i * n + j] = (float) (acc * scale);
                }
            }
        }
        return c;
    }

    /** The gradient with respect to {@code a} of {@code scale * op(a) op(b)}, given {@code g [count][m][n]}. */
    static float[] gemmBackwardA(float[] g, float[] b, boolean ta, boolean tb, int count, int m, int n, int k, double scale) {
        // op(a) = g op(b)^T [m, k]; a itself is its transpose when ta
        return ta ? gemm(b, tb, g, true, count, k, m, n, scale) : gemm(g, false, b, !tb, count, m, k, n, scale);
    }

    /** The gradient with respect to {@code b} of {@code scale * op(a) op(b)}, given {@code g [count][m][n]}. */
    static float[] gemmBackwardB(float[] g, float[] a, boolean ta, boolean tb, int count, int m, int n, int k, double scale) {
        // op(b) = op(a)^T g [k, n]; b itself is its transpose when tb
        return tb ? gemm(g, true, a, ta, count, n, k, m, scale) : gemm(a, !ta, g, false, count, k, n, m, scale);
    }

    /** Layer norm of each row of {@code width} values. */
    static float[] layerNormForward(float[] x, int width, float[] gain, float[] bias, double eps) {
        float[] y = new float[x.length];
        for (int r = 0; r < x.length / width; r++) {
            int o = r * width;
            double mean = 0;
            for (int i = 0; i < width; i++) {
                mean += x[o + i];
            }
            mean /= width;
            double variance = 0;
            for (int i = 0; i < width; i++) {
                double d = x[o + i] - mean;
                variance += d * d;
            }
            double inv = 1 / Math.sqrt(variance / width + eps);
            for (int i = 0; i < width; i++) {
                y[o + i] = (float) ((x[o + i] - mean) * inv * gain[i] + bias[i]);
            }
        }
        return y;
    }

    /** {@code dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma}, {@code dxhat = g * gain}, row by row. */
    static float[] layerNormBackward(float[] g, float[] x, int width, float[] gain, double eps) {
        float[] gx = new float[x.length];
        double[] xhat = new double[width];
        double[] dxhat = new double[width];
        for (int r = 0; r < x.length / width; r++) {
            int o = r * width;
            double mean = 0;
            for (int i = 0; i < width; i++) {
                mean += x[o + i];
            }
            mean /= width;
            double variance = 0;
            for (int i = 0; i < width; i++) {
                double d = x[o + i] - mean;
                variance += d * d;
            }
            double inv = 1 / Math.sqrt(variance / width + eps);
            double meanD = 0;
            double meanDx = 0;
            for (int i = 0; i < width; i++) {
                xhat[i] = (x[o + i] - mean) * inv;
                dxhat[i] = (double) g[o + i] * gain[i];
                meanD += dxhat[i];
                meanDx += dxhat[i] * xhat[i];
            }
            meanD /= width;
            meanDx /= width;
            for (int i = 0; i < width; i++) {
                gx[o + i] = (float) ((dxhat[i] - meanD - xhat[i] * meanDx) * inv);
            }
        }
        return gx;
    }

    /**
     * Softmax of each row of {@code width} values; with a {@code mask} ({@code [batch][width]}, each sample's rows
     * sharing one), keys whose mask is zero get exactly 0. {@code rowsPerSample} rows belong to each sample.
     */
    static float[] softmaxForward(float[] x, int width, float[] mask, int rowsPerSample) {
        float[] y = new float[x.length];
        for (int r = 0; r < x.length / width; r++) {
            int o = r * width;
            int mo = (r / rowsPerSample) * width;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < width; i++) {
                if (mask == null || mask[mo + i] != 0) {
                    max = Math.max(max, x[o + i]);
                }
            }
            double sum = 0;
            double[] e = new double[width];
            for (int i = 0; i < width; i++) {
                e[i] = mask == null || mask[mo + i] != 0 ? Math.exp(x[o + i] - max) : 0;
                sum += e[i];
            }
            for (int i = 0; i < width; i++) {
                y[o + i] = (float) (e[i] / sum);
            }
        }
        return y;
    }

    /** {@code dx = y (g - sum(g y))} row by row (masked keys have y = 0 and so no gradient). */
    static float[] softmaxBackward(float[] g, float[] y, int width) {
        float[] gx = new float[y.length];
        for (int r = 0; r < y.length / width; r++) {
            int o = r * width;
            double dot = 0;
            for (int i = 0; i < width; i++) {
                dot += (double) g[o + i] * y[o + i];
            }
            for (int i = 0; i < width; i++) {
                gx[o + i] = (float) (y[o + i] * (g[o + i] - dot));
            }
        }
        return gx;
    }

    /** Permutes each sample's axes: output axis {@code i} is input axis {@code perm[i]}; {@code shape} is the input's. */
    static float[] transpose(float[] x, int batch, int[] shape, int[] perm) {
        int rank = shape.length;
        int size = x.length / batch;
        int[] inStrides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--) {
            inStrides[i] = stride;
            stride *= shape[i];
        }
        int[] outShape = new int[rank];
        int[] strideOfOutAxis = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
            strideOfOutAxis[i] = inStrides[perm[i]];
        }
        float[] y = new float[x.length];
        int[] index = new int[rank];
        for (int n = 0; n < batch; n++) {
            java.util.Arrays.fill(index, 0);
            int source = 0;
            for (int out = 0; out < size; out++) {
                y[n * size + out] = x[n * size + source];
                for (int axis = rank - 1; axis >= 0; axis--) {
                    index[axis]++;
                    source += strideOfOutAxis[axis];
                    if (index[axis] < outShape[axis]) {
                        break;
                    }
                    source -= strideOfOutAxis[axis] * outShape[axis];
                    index[axis] = 0;
                }
            }
        }
        return y;
    }

    /** The permutation that undoes {@code perm}. */
    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[perm[i]] = i;
        }
        return inv;
    }

    /** Rows {@code [start, start + length)} of rows of {@code rowSize} values, per sample of {@code rows} rows. */
    static float[] slice(float[] x, int batch, int rows, int rowSize, int start, int length) {
        float[] y = new float[batch * length * rowSize];
        for (int n = 0; n < batch; n++) {
            System.arraycopy(x, (n * rows + start) * rowSize, y, n * length * rowSize, length * rowSize);
        }
        return y;
    }

    static float[] sliceBackward(float[] g, int batch, int rows, int rowSize, int start, int length) {
        float[] gx = new float[batch * rows * rowSize];
        for (int n = 0; n < batch; n++) {
            System.arraycopy(g, n * length * rowSize, gx, (n * rows + start) * rowSize, length * rowSize);
        }
        return gx;
    }

    /** {@code y[t] = table[round(ids[t])]}; an id outside the table is an error naming it. */
    static float[] gather(float[] ids, float[] table, int rows, int dim, String layer) {
        float[] y = new float[ids.length * dim];
        for (int t = 0; t < ids.length; t++) {
            int id = Math.round(ids[t]);
            if (id < 0 || id >= rows || id != ids[t]) {
                throw new IllegalArgumentException("layer '" + layer + "': id " + ids[t] + " is not a row of its " + rows + "-row table");
            }
            System.arraycopy(table, id * dim, y, t * dim, dim);
        }
        return y;
    }

    /** A per-sample constant repeated over the batch. */
    static float[] broadcast(float[] value, int batch) {
        float[] y = new float[value.length * batch];
        for (int n = 0; n < batch; n++) {
            System.arraycopy(value, 0, y, n * value.length, value.length);
        }
        return y;
    }

    /**
     * The error function in double: its Maclaurin series below 3 (terms stay under 200, so double rounding costs
     * about 1e-14), and Numerical Recipes' Chebyshev fit of erfc above (relative error 1.2e-7 of erfc &lt; 2.3e-5,
     * so below 3e-12 absolute).
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double r;
        if (z < 3) {
            double term = z;
            double sum = z;
            double z2 = z * z;
            for (int n = 1; n < 100; n++) {
                term *= -z2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double t = 1 / (1 + 0.5 * z);
            double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
            r = 1 - erfc;
        }
        return x < 0 ? -r : r;
    }
}
