package dev.heed.toolkit.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/**
 * What every backend's {@link ArrayScope} and resident ops must do, run by the CPU and CUDA scope tests: arrays are
 * copies and come back unchanged; a closed scope and a foreign array are refused with a clear message; each resident
 * op gives exactly its host op's values (the same arithmetic, wherever it runs), its result in the first argument's
 * scope; an array of another backend's scope still works, through the default path.
 */
public final class ArrayScopeContract {
    private final Backend backend;

    public ArrayScopeContract(Backend backend) {
        this.backend = backend;
    }

    static float[] random(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    public void arraysAreCopiesAndComeBackUnchanged() {
        try (ArrayScope scope = backend.openScope()) {
            float[] values = random(24, 1);
            ResidentArray array = scope.upload(values, 2, 3, 4);
            float[] original = values.clone();
            values[0] = 99;
            assertArrayEquals(original, scope.download(array));
            assertArrayEquals(new int[] {2, 3, 4}, array.shape());
            assertEquals(24, array.length());
            assertSame(scope, array.scope());
            float[] first = scope.download(array);
            first[1] = 42;
            assertArrayEquals(original, scope.download(array), "a download is a copy");
            assertEquals(0, scope.download(scope.upload(new float[0], 0, 3)).length, "an empty array");
        }
    }

    public void misuseIsRefusedWithAClearMessage() {
        ArrayScope scope = backend.openScope();
        ResidentArray array = scope.upload(random(6, 2), 2, 3);
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class, () -> scope.upload(new float[5], 2, 3));
        assertTrue(length.getMessage().contains("[2, 3]"), length.getMessage());
        try (ArrayScope other = backend.openScope()) {
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> other.download(array));
            assertTrue(foreign.getMessage().contains("another scope"), foreign.getMessage());
        }
        ResidentArray gone = scope.upload(random(8, 3), 1, 2, 2, 2);
        scope.release(gone);
        assertTrue(assertThrows(IllegalStateException.class, () -> scope.download(gone)).getMessage().contains("released"));
        assertThrows(IllegalStateException.class, () -> backend.channelMeans(gone), "an op on a released array");
        assertThrows(RuntimeException.class, () -> scope.release(gone), "released twice");
        assertArrayEquals(new int[] {2, 3}, array.shape(), "the other arrays live on");
        scope.download(array);
        scope.close();
        scope.close(); // idempotent
        assertTrue(assertThrows(IllegalStateException.class, () -> scope.download(array)).getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> scope.upload(new float[1], 1));
    }

    /** Every resident op against its host op on the same values: equal to the bit. */
    public void residentOpsGiveTheHostOpsValues() {
        int n = 3;
        int c = 5;
        int h = 4;
        int w = 6;
        float[] a = random(n * c * h * w, 3);
        float[] g = random(n * c * h * w, 4);
        float[] weights = random(n * c, 5);
        Features activations = new Features(a, n, c, h, w);
        Features gradients = new Features(g, n, c, h, w);
        try (ArrayScope scope = backend.openScope()) {
            ResidentArray ra = scope.upload(a, n, c, h, w);
            ResidentArray rg = scope.upload(g, n, c, h, w);
            ResidentArray rw = scope.upload(weights, n, c);
            for (ChannelReduction reduction : ChannelReduction.values()) {
                assertArrayEquals(backend.reduceChannels(activations, reduction).values(), download(scope, backend.reduceChannels(ra, reduction),
                        n, h, w), "reduceChannels " + reduction);
            }
            assertArrayEquals(backend.channelMeans(gradients), download(scope, backend.channelMeans(rg), n, c), "channelMeans");
            assertArrayEquals(backend.gradCamPlusPlusWeights(activations, gradients), download(scope, backend.gradCamPlusPlusWeights(ra, rg), n, c),
                    "gradCamPlusPlusWeights");
            for (boolean relu : new boolean[] {false, true}) {
                assertArrayEquals(backend.weightedChannelSum(activations, weights, relu).values(),
                        download(scope, backend.weightedChannelSum(ra, rw, relu), n, h, w), "weightedChannelSum relu=" + relu);
            }
            Maps maps = backend.weightedChannelSum(activations, weights, false);
            ResidentArray rm = scope.upload(maps.values(), n, h, w);
            assertArrayEquals(backend.upsampleBilinear(maps, 9, 13).values(), download(scope, backend.upsampleBilinear(rm, 9, 13), n, 9, 13),
                    "upsampleBilinear");
            float[] product = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                product[i] = a[i] * g[i];
            }
            assertArrayEquals(product, download(scope, backend.multiply(ra, rg), n, c, h, w), "multiply");
            float[] sum = new float[n * c * h * w / n];
            float[] startValues = random(sum.length, 7);
            float[] withStart = startValues.clone();
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += a[b * sum.length + i];
                    withStart[i] += a[b * sum.length + i];
                }
            }
            assertArrayEquals(sum, download(scope, backend.sumBlocks(null, ra, n), 1, c, h, w), "sumBlocks from zeros");
            ResidentArray start = scope.upload(startValues, 1, c, h, w);
            assertArrayEquals(withStart, download(scope, backend.sumBlocks(start, ra, n), 1, c, h, w), "sumBlocks from a start");
            assertThrows(IllegalArgumentException.class, () -> backend.sumBlocks(null, ra, 2), "3 rows do not split into 2 blocks");
            float[] quotient = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                quotient[i] = a[i] / 7f;
            }
            assertArrayEquals(quotient, download(scope, backend.divide(ra, 7f), n, c, h, w), "divide");
            // SmoothGrad's host loop: per image, two draws per value of each copy, then one more (the inner method's seed)
            long[] seeds = {3, -11, 1L << 40};
            double[] sigma = {0.1, 0.25, 0.0};
            int perImage = c * h * w;
            long drawsPerCopy = 2L * perImage + 1;
            float[] noisy = new float[2 * a.length];
            for (int i = 0; i < n; i++) {
                SplittableRandom stream = new SplittableRandom(seeds[i]);
                for (int copy = 0; copy < 3; copy++) {
                    for (int p = 0; p < perImage; p++) {
                        double u1 = 1.0 - stream.nextDouble();
                        double u2 = stream.nextDouble();
                        float v = (float) (a[i * perImage + p] + sigma[i] * (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
                        if (copy > 0) {
                            noisy[((copy - 1) * n + i) * perImage + p] = v;
                        }
                    }
                    stream.nextLong();
                }
            }
            assertArrayEquals(noisy, download(scope, backend.gaussianNoise(ra, seeds, sigma, drawsPerCopy, drawsPerCopy, 2), 2 * n, c, h, w),
                    "gaussianNoise: copies 1 and 2 of the host loop");
            assertThrows(IllegalArgumentException.class, () -> backend.gaussianNoise(ra, seeds, sigma, 0, perImage, 1), "too few draws per copy");
            // occlusion's copies of image 0: a 2x2 square at (1, 3), and one at (2, 0) hanging over nothing
            float[] one = java.util.Arrays.copyOf(a, c * h * w);
            float[] occluded = new float[2 * one.length];
            for (int v = 0; v < 2; v++) {
                System.arraycopy(one, 0, occluded, v * one.length, one.length);
                int top = v == 0 ? 1 : 2;
                int left = v == 0 ? 3 : 0;
                for (int ch = 0; ch < c; ch++) {
                    for (int y = top; y < top + 2; y++) {
                        for (int x = left; x < left + 2; x++) {
                            occluded[v * one.length + (ch * h + y) * w + x] = -0.5f;
                        }
                    }
                }
            }
            assertArrayEquals(occluded, download(scope, backend.occlude(scope.upload(one, 1, c, h, w), new int[][] {{1, 3}, {2, 0}}, 2, -0.5f),
                    2, c, h, w), "occlude");
            assertThrows(IllegalArgumentException.class, () -> backend.occlude(ra, new int[][] {{0, 0}}, 2, 0f), "one image at a time");
            // Integrated Gradients' path points against ND4J's x' + (x - x') a, the host path's expression, to the bit
            float[] alphas = {0.0625f, 0.5f, 0.9375f};
            float[] expectedPoints = new float[alphas.length * a.length];
            org.nd4j.linalg.api.ndarray.INDArray delta = org.nd4j.linalg.factory.Nd4j.create(a, new long[] {n, c, h, w}, 'c');
            org.nd4j.linalg.api.ndarray.INDArray reference = delta.ulike().assign(0.25);
            for (int k = 0; k < alphas.length; k++) {
                float[] point = reference.add(delta.mul((double) alphas[k])).reshape(a.length).toFloatVector();
                System.arraycopy(point, 0, expectedPoints, k * a.length, a.length);
            }
            assertArrayEquals(expectedPoints, download(scope, backend.pathPoints(ra, 0.25f, alphas), 3 * n, c, h, w), "pathPoints");
            IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class, () -> backend.multiply(ra, rw));
            assertTrue(mismatch.getMessage().contains("one shape"), mismatch.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.channelMeans(rw), "a rank-2 array is no feature batch");
        }
    }

    /** An array of the heap scope (another backend's) given to this backend's ops: the default path, same values. */
    public void foreignArraysTakeTheDefaultPath() {
        int n = 2;
        int c = 3;
        float[] a = random(n * c * 5 * 5, 6);
        try (ArrayScope heap = new HostArrayScope(); ArrayScope own = backend.openScope()) {
            ResidentArray foreign = heap.upload(a, n, c, 5, 5);
            ResidentArray means = backend.channelMeans(foreign);
            assertSame(heap, means.scope(), "the result joins its argument's scope");
            assertArrayEquals(backend.channelMeans(new Features(a, n, c, 5, 5)), heap.download(means));
            ResidentArray mine = own.upload(a, n, c, 5, 5);
            assertNotSame(heap, backend.channelMeans(mine).scope());
        }
    }

    private static float[] download(ArrayScope scope, ResidentArray array, int... shape) {
        assertArrayEquals(shape, array.shape(), "result shape");
        assertSame(scope, array.scope(), "the result joins its argument's scope");
        return scope.download(array);
    }
}
