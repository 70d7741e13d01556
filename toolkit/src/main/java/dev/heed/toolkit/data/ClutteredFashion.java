package dev.heed.toolkit.data;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A localisation data set with known answers: one Fashion-MNIST item pasted at a random place on a 56x56 canvas
 * cluttered with fragments of other items. The label is the item's class and the box is the item's tight bounding
 * box on the canvas, so the pointing game and the energy in the box can be scored. Canvas i depends only on the seed
 * and i.
 */
public final class ClutteredFashion {
    public static final int SIDE = 56;
    private static final int FRAGMENTS = 5;
    private static final int FRAGMENT = 7;
    private static final int INK = 24;

    /** One canvas: pixels 0..255 row-major, the label, and the item's box {@code [left, top, width, height]}. */
    public record Canvas(int[] pixels, int label, int left, int top, int width, int height) {
    }

    private final FashionMnist.Split source;
    private final long seed;

    public ClutteredFashion(FashionMnist.Split source, long seed) {
        this.source = source;
        this.seed = seed;
    }

    public Canvas canvas(int i) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        IdxImages images = source.images();
        int[] canvas = new int[SIDE * SIDE];
        for (int f = 0; f < FRAGMENTS; f++) {
            int other = random.nextInt(images.count());
            int sr = random.nextInt(28 - FRAGMENT);
            int sc = random.nextInt(28 - FRAGMENT);
            int dr = random.nextInt(SIDE - FRAGMENT);
            int dc = random.nextInt(SIDE - FRAGMENT);
            for (int r = 0; r < FRAGMENT; r++) {
                for (int c = 0; c < FRAGMENT; c++) {
                    int v = pixel(images, other, sr + r, sc + c);
                    canvas[(dr + r) * SIDE + dc + c] = Math.max(canvas[(dr + r) * SIDE + dc + c], v);
                }
            }
        }
        int item = random.nextInt(images.count());
        int top = random.nextInt(SIDE - 28 + 1);
        int left = random.nextInt(SIDE - 28 + 1);
        int minR = 28;
        int minC = 28;
        int maxR = -1;
        int maxC = -1;
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                int v = pixel(images, item, r, c);
                if (v > INK) {
                    canvas[(top + r) * SIDE + left + c] = v;
                    minR = Math.min(minR, r);
                    minC = Math.min(minC, c);
                    maxR = Math.max(maxR, r);
                    maxC = Math.max(maxC, c);
                }
            }
        }
        if (maxR < 0) {
            minR = 0;
            minC = 0;
            maxR = 27;
            maxC = 27;
        }
        return new Canvas(canvas, source.labels()[item], left + minC, top + minR, maxC - minC + 1, maxR - minR + 1);
    }

    private static int pixel(IdxImages images, int i, int r, int c) {
        return images.pixels()[(i * 28 + r) * 28 + c] & 0xFF;
    }

    /** Canvases {@code [from, to)} as NCHW floats in [0, 1]. */
    public INDArray features(int[] indices) {
        float[] data = new float[indices.length * SIDE * SIDE];
        for (int k = 0; k < indices.length; k++) {
            int[] p = canvas(indices[k]).pixels();
            for (int j = 0; j < p.length; j++) {
                data[k * SIDE * SIDE + j] = p[j] / 255f;
            }
        }
        return Nd4j.create(data, new long[] {indices.length, 1, SIDE, SIDE}, 'c');
    }

    public INDArray oneHot(int[] indices) {
        INDArray y = Nd4j.zeros(indices.length, FashionMnist.CLASS_NAMES.size());
        for (int k = 0; k < indices.length; k++) {
            y.putScalar(k, canvas(indices[k]).label(), 1.0);
        }
        return y;
    }
}
