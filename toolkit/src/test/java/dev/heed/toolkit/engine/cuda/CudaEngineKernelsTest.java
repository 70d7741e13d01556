package dev.heed.toolkit.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.EngineKernels;
import dev.heed.kernels.EngineKernels.Activation;
import dev.heed.kernels.EngineKernels.Conv2d;
import dev.heed.kernels.EngineKernels.Pool2d;
import dev.heed.kernels.EngineKernels.Pooling;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model-pass kernels through the whole Java path (EngineKernels, argument packing, JNI, the driver) on whatever
 * device the probe finds: a GPU, or in every build the emulated driver. References are plain double loops written
 * here from the definitions. Skipped, with the probe's reason, without either.
 */
class CudaEngineKernelsTest {
    private static CudaDevice.Probe probe;
    private static EngineKernels kernels;
    private final Random random = new Random(5);

    @BeforeEach
    void open() {
        if (probe == null) {
            probe = CudaDevice.open(0);
            if (probe.available()) {
                kernels = new EngineKernels(probe.device());
            }
        }
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
    }

    @AfterAll
    static void close() {
        if (probe != null && probe.available()) {
            assertEquals(0, probe.device().liveBuffers(), "every buffer was freed");
            probe.device().close();
        }
    }

    private float[] randoms(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private DeviceBuffer upload(float[] values) {
        return probe.device().allocate((long) values.length * Float.BYTES, "test").upload(values);
    }

    private DeviceBuffer zeros(int floats) {
        return upload(new float[floats]);
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / scale);
        }
        assertTrue(worst <= 1e-5, what + ": largest difference " + worst + " of the largest magnitude");
    }

    @Test
    void stridedSamePaddedConvolutionWithFoldedBatchNormAndItsInputGradient() {
        // 3x3, stride 2, on 8x6: Same padding puts its one extra row and column at the bottom and right
        Conv2d s = new Conv2d(2, 3, 8, 6, 70, 4, 3, 3, 3, 2, 2, 0, 0, 1, 1);
        float[] x = randoms(2 * 3 * 8 * 6);
        float[] w = randoms(70 * 3 * 3 * 3);
        float[] scale = randoms(70);
        float[] shift = randoms(70);
        float[] dy = randoms(2 * 70 * 4 * 3);
        double[] expected = new double[dy.length];
        double[] expectedDx = new double[x.length];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 70; o++) {
                for (int oy = 0; oy < 4; oy++) {
                    for (int ox = 0; ox < 3; ox++) {
                        int out = ((n * 70 + o) * 4 + oy) * 3 + ox;
                        double acc = 0;
                        for (int c = 0; c < 3; c++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = oy * 2 + ky, ix = ox * 2 + kx;
                                    if (iy >= 8 || ix >= 6) {
                                        continue;
                                    }
                                    int in = ((n * 3 + c) * 8 + iy) * 6 + ix;
                                    double weight = w[((o * 3 + c) * 3 + ky) * 3 + kx];
                                    acc += weight * x[in];
                                    expectedDx[in] += weight * dy[out];
                                }
                            }
                        }
                        expected[out] = Math.max(0, acc * scale[o] + shift[o]);
                    }
                }
            }
        }
        try (DeviceBuffer dx = upload(x); DeviceBuffer dw = upload(w); DeviceBuffer dyB = upload(dy); DeviceBuffer y = zeros(dy.length);
             DeviceBuffer sc = upload(scale); DeviceBuffer sh = upload(shift); DeviceBuffer gx = zeros(x.length)) {
            kernels.conv2dForward(s, dx, dw, y, sc, sh, Activation.RELU, 0);
            assertClose(expected, y.downloadFloats(dy.length), "convolution + BatchNorm + ReLU");
            kernels.conv2dBackwardData(s, dyB, dw, gx, false);
            assertClose(expectedDx, gx.downloadFloats(x.length), "input gradient");
        }
    }

    @Test
    void denseLayerForwardAndBackwardThroughTheStridedGemm() {
        int batch = 5, in = 37, out = 10;
        float[] x = randoms(batch * in);
        float[] w = randoms(in * out);   // DL4J's [in][out]
        float[] b = randoms(out);
        float[] dy = randoms(batch * out);
        double[] logits = new double[batch * out];
        double[] dx = new double[batch * in];
        for (int r = 0; r < batch; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += (double) x[r * in + i] * w[i * out + o];
                    dx[r * in + i] += (double) dy[r * out + o] * w[i * out + o];
                }
                logits[r * out + o] = acc;
            }
        }
        try (DeviceBuffer xb = upload(x); DeviceBuffer wb = upload(w); DeviceBuffer bb = upload(b); DeviceBuffer dyb = upload(dy);
             DeviceBuffer yb = zeros(batch * out); DeviceBuffer dxb = zeros(batch * in)) {
            kernels.gemm(xb, in, 1, wb, out, 1, yb, batch, out, in, bb, false, Activation.IDENTITY, 0, false);
            assertClose(logits, yb.downloadFloats(batch * out), "logits");
            // dx = dy W^T: W read through transposed strides, no copy
            kernels.gemm(dyb, out, 1, wb, 1, out, dxb, batch, in, out, null, false, Activation.IDENTITY, 0, false);
            assertClose(dx, dxb.downloadFloats(batch * in), "input gradient");
        }
    }

    @Test
    void maxPoolingChoosesAndRoutesTheGradientToTheSamePixel() {
        Pool2d s = new Pool2d(3, 5, 5, 3, 3, 3, 3, 2, 2, 1, 1);
        float[] x = randoms(3 * 25);
        float[] dy = randoms(3 * 9);
        double[] expected = new double[dy.length];
        int[] chosen = new int[dy.length];
        double[] expectedDx = new double[x.length];
        for (int p = 0; p < 3; p++) {
            for (int oy = 0; oy < 3; oy++) {
                for (int ox = 0; ox < 3; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int where = -1;
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                            if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5 && x[p * 25 + iy * 5 + ix] > best) {
                                best = x[p * 25 + iy * 5 + ix];
                                where = iy * 5 + ix;
                            }
                        }
                    }
                    int o = p * 9 + oy * 3 + ox;
                    expected[o] = best;
                    chosen[o] = where;
                    expectedDx[p * 25 + where] += dy[o];
                }
            }
        }
        try (DeviceBuffer xb = upload(x); DeviceBuffer yb = zeros(dy.length); DeviceBuffer arg = zeros(dy.length); DeviceBuffer dyb = upload(dy);
             DeviceBuffer dxb = zeros(x.length)) {
            kernels.pool2dForward(s, Pooling.MAX, xb, yb, arg);
            assertClose(expected, yb.downloadFloats(dy.length), "max pooling");
            assertArrayEquals(chosen, arg.downloadInts(dy.length), "argmax");
            kernels.pool2dBackward(s, Pooling.MAX, dyb, arg, dxb, false);
            assertClose(expectedDx, dxb.downloadFloats(x.length), "max pooling's input gradient");
        }
    }

    @Test
    void maskedAttentionProbabilitiesOfEveryHeadFromStridedViews() {
        int batch = 2, heads = 3, tokens = 5, dim = 4, width = heads * dim;
        float[] q = randoms(batch * tokens * width);
        float[] k = randoms(batch * tokens * width);
        float[] mask = new float[batch * tokens];
        mask[tokens + 4] = Float.NEGATIVE_INFINITY;   // input 1's last token is padding
        float alpha = (float) (1 / Math.sqrt(dim));
        double[] expected = new double[batch * heads * tokens * tokens];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tokens; i++) {
                    double[] row = new double[tokens];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tokens; j++) {
                        double dot = 0;
                        for (int d = 0; d < dim; d++) {
                            dot += (double) q[(b * tokens + i) * width + h * dim + d] * k[(b * tokens + j) * width + h * dim + d];
                        }
                        row[j] = alpha * dot + mask[b * tokens + j];
                        max = Math.max(max, row[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tokens; j++) {
                        sum += Math.exp(row[j] - max);
                    }
                    for (int j = 0; j < tokens; j++) {
                        expected[((b * heads + h) * tokens + i) * tokens + j] = Math.exp(row[j] - max) / sum;
                    }
                }
            }
        }
        try (DeviceBuffer qb = upload(q); DeviceBuffer kb = upload(k); DeviceBuffer mb = upload(mask);
             DeviceBuffer scores = zeros(expected.length); DeviceBuffer probabilities = zeros(expected.length)) {
            kernels.gemmBatched(qb, new long[] {width, 1, (long) tokens * width, dim}, kb, new long[] {1, width, (long) tokens * width, dim},
                    scores, tokens, (long) heads * tokens * tokens, (long) tokens * tokens, batch * heads, heads, tokens, tokens, dim, alpha);
            kernels.softmaxRows(scores, probabilities, batch * heads * tokens, tokens, mb, heads * tokens);
            float[] p = probabilities.downloadFloats(expected.length);
            assertClose(expected, p, "attention probabilities");
            assertEquals(0f, p[((1 * heads + 2) * tokens + 1) * tokens + 4], "a padding key gets no attention");
        }
    }

    /** {@code alpha A_z B_z} in double for {@code batches} row-major pairs {@code [m][k] x [k][n]} stored one after another. */
    private static double[] batchedProducts(float[] a, float[] b, int batches, int m, int n, int k, double alpha) {
        double[] out = new double[batches * m * n];
        for (int z = 0; z < batches; z++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int p = 0; p < k; p++) {
                        dot += (double) a[z * m * k + i * k + p] * b[z * k * n + p * n + j];
                    }
                    out[z * m * n + i * n + j] = alpha * dot;
                }
            }
        }
        return out;
    }

    /**
     * More matrices than a grid's z holds (65535): 21846 texts x 3 heads of 2x2 products, launched in slices of whole
     * texts; every product is checked, the last slice's too.
     */
    @Test
    void batchedProductsBeyondTheGridLimitLaunchInSlices() {
        int heads = 3, outer = 21846, batches = outer * heads, m = 2, n = 2, k = 2;
        float[] a = randoms(batches * m * k);
        float[] b = randoms(batches * k * n);
        double[] expected = batchedProducts(a, b, batches, m, n, k, 0.5);
        try (DeviceBuffer ab = upload(a); DeviceBuffer bb = upload(b); DeviceBuffer c = zeros(expected.length)) {
            kernels.gemmBatched(ab, new long[] {k, 1, (long) heads * m * k, m * k}, bb, new long[] {n, 1, (long) heads * k * n, k * n}, c, n,
                    (long) heads * m * n, m * n, batches, heads, m, n, k, 0.5f);
            assertClose(expected, c.downloadFloats(expected.length), batches + " batched products");
        }
    }

    /**
     * The batched product in TF32 (a transformer's heads in a TF32 pass): within TF32's rounding of the exact product
     * (operands with a 10-bit mantissa: relative error about 1e-3 at K = 40), and not the FP32 result, or the tensor-core
     * kernel did not run.
     */
    @Test
    void batchedProductsRunOnTheTensorCoresInTf32() {
        Assumptions.assumeTrue(probe.device().capability() >= 80, "TF32 needs sm_80 or newer");
        int batches = 6, m = 20, n = 18, k = 40;
        float[] a = randoms(batches * m * k);
        float[] b = randoms(batches * k * n);
        double[] expected = batchedProducts(a, b, batches, m, n, k, 1);
        EngineKernels tf32 = new EngineKernels(probe.device(), EngineKernels.Precision.TF32);
        try (DeviceBuffer ab = upload(a); DeviceBuffer bb = upload(b); DeviceBuffer c = zeros(expected.length); DeviceBuffer exact = zeros(expected.length)) {
            long[] aStrides = {k, 1, (long) m * k, 0};
            long[] bStrides = {n, 1, (long) k * n, 0};
            tf32.gemmBatched(ab, aStrides, bb, bStrides, c, n, (long) m * n, 0, batches, 1, m, n, k, 1f);
            kernels.gemmBatched(ab, aStrides, bb, bStrides, exact, n, (long) m * n, 0, batches, 1, m, n, k, 1f);
            float[] rounded = c.downloadFloats(expected.length);
            float[] fp32 = exact.downloadFloats(expected.length);
            double scale = 0;
            double worst = 0;
            double fromFp32 = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
            }
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - rounded[i]) / scale);
                fromFp32 = Math.max(fromFp32, Math.abs(fp32[i] - rounded[i]) / scale);
            }
            System.out.printf("tf32 batched gemm: %.2e of the largest magnitude from the exact product%n", worst);
            assertTrue(worst <= 3e-3, "TF32 batched product off by " + worst);
            assertTrue(fromFp32 > 1e-6, "the TF32 product equals the FP32 one: the tensor-core kernel did not run");
        }
    }

    @Test
    void stridedCopiesPermuteSliceAndBroadcast() {
        // [batch 2][tokens 3][heads 4][dim 5] -> [2][4][3][5]: the heads out of the tokens, as a transformer's plan does
        int batch = 2, tokens = 3, heads = 4, dim = 5, size = tokens * heads * dim;
        float[] x = randoms(batch * size);
        double[] permuted = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < heads; h++) {
                    for (int d = 0; d < dim; d++) {
                        permuted[((b * heads + h) * tokens + t) * dim + d] = x[((b * tokens + t) * heads + h) * dim + d];
                    }
                }
            }
        }
        float[] before = randoms(x.length);
        double[] accumulated = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            accumulated[i] = before[i] + permuted[i];
        }
        // rows 1..2 of each sample's [tokens][heads * dim], and sample-independent values broadcast over the batch
        double[] sliced = new double[batch * 2 * heads * dim];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < 2 * heads * dim; i++) {
                sliced[b * 2 * heads * dim + i] = x[b * size + heads * dim + i];
            }
        }
        double[] broadcast = new double[batch * size];
        for (int i = 0; i < broadcast.length; i++) {
            broadcast[i] = x[i % size];
        }
        try (DeviceBuffer xb = upload(x); DeviceBuffer y = zeros(x.length); DeviceBuffer sum = upload(before);
             DeviceBuffer slice = zeros(sliced.length); DeviceBuffer repeated = zeros(broadcast.length)) {
            int[] shape = {batch, heads, tokens, dim};
            long[] strides = {size, dim, (long) heads * dim, 1};
            kernels.stridedCopy(xb, 0, shape, strides, y, false);
            assertClose(permuted, y.downloadFloats(x.length), "permuted axes");
            kernels.stridedCopy(xb, 0, shape, strides, sum, true);
            assertClose(accumulated, sum.downloadFloats(x.length), "permuted axes, accumulated");
            kernels.stridedCopy(xb, (long) heads * dim, new int[] {batch, 2 * heads * dim}, new long[] {size, 1}, slice, false);
            assertClose(sliced, slice.downloadFloats(sliced.length), "a slice of rows");
            kernels.stridedCopy(xb, 0, new int[] {batch, size}, new long[] {0, 1}, repeated, false);
            assertClose(broadcast, repeated.downloadFloats(broadcast.length), "a broadcast over the batch");
            assertThrows(IllegalArgumentException.class, () -> kernels.stridedCopy(xb, 1, shape, strides, y, false),
                    "a view that reads one past the source");
        }
    }

    @Test
    void shapesThatDoNotFitTheBuffersAreRefusedBeforeTheDevice() {
        Conv2d s = new Conv2d(1, 3, 8, 8, 4, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        try (DeviceBuffer small = zeros(10); DeviceBuffer w = zeros(4 * 3 * 9); DeviceBuffer y = zeros(4 * 64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kernels.conv2dForward(s, small, w, y, null, null, Activation.IDENTITY, 0));
            assertTrue(e.getMessage().startsWith("input buffer of 40 bytes holds fewer than 192 elements"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(1, 3, 8, 8, 4, 9, 8, 3, 3, 1, 1, 0, 0, 1, 1),
                "an output row whose window starts past the input");
        assertThrows(IllegalArgumentException.class, () -> new Pool2d(1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0), "padding as large as the window");
    }
}
