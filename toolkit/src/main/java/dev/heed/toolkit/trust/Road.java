package dev.heed.toolkit.trust;

import dev.heed.toolkit.model.ModelAdapter;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ROAD, RemOve And Debias (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution
 * Methods"): remove a share of the pixels, most relevant first (MoRF) or least relevant first (LeRF), and fill them by
 * noisy linear imputation, so that the removal itself leaks no shape. A removed pixel takes the weighted mean of its
 * neighbours (weight 1/6 for the four direct ones, 1/12 for the diagonals, as in the paper), solved jointly by
 * Gauss-Seidel sweeps, plus Gaussian noise. A faithful map makes MoRF fall fast and LeRF stay high.
 */
public final class Road {
    private static final double DIRECT = 1.0 / 6;
    private static final double DIAGONAL = 1.0 / 12;
    private static final int SWEEPS = 300;

    /** Class probabilities after removing each share of pixels, and their means (lower MoRF, higher LeRF is better). */
    public record Result(double[] shares, double[] morf, double[] lerf, double morfMean, double lerfMean, double noise) {
    }

    private final ModelAdapter model;

    public Road(ModelAdapter model) {
        this.model = model;
    }

    public Result measure(float[] image, float[] map, int cls, double[] shares, double noise, long seed) {
        int[] shape = model.inputShape();
        int c = shape[0];
        int h = shape[1];
        int w = shape[2];
        int plane = h * w;
        int[] order = IntStream.range(0, plane).boxed()
                .sorted(Comparator.<Integer>comparingDouble(p -> -map[p]).thenComparingInt(p -> p))
                .mapToInt(Integer::intValue).toArray();
        float[] batch = new float[2 * shares.length * image.length];
        // One noise stream per removal, all from this call's seed: seed + s would repeat across images whose seeds
        // differ by less than the number of shares.
        long[] noiseSeeds = new SplittableRandom(seed).longs(2L * shares.length).toArray();
        for (int s = 0; s < shares.length; s++) {
            int count = (int) Math.round(shares[s] * plane);
            boolean[] mostRelevant = new boolean[plane];
            boolean[] leastRelevant = new boolean[plane];
            for (int j = 0; j < count; j++) {
                mostRelevant[order[j]] = true;
                leastRelevant[order[plane - 1 - j]] = true;
            }
            System.arraycopy(impute(image, mostRelevant, c, h, w, noise, noiseSeeds[s]), 0, batch, s * image.length, image.length);
            System.arraycopy(impute(image, leastRelevant, c, h, w, noise, noiseSeeds[shares.length + s]), 0, batch, (shares.length + s) * image.length, image.length);
        }
        INDArray logits = model.logits(Nd4j.create(batch, new long[] {2L * shares.length, c, h, w}, 'c'));
        INDArray p = Transforms.softmax(logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), true);
        double[] morf = new double[shares.length];
        double[] lerf = new double[shares.length];
        for (int s = 0; s < shares.length; s++) {
            morf[s] = p.getDouble(s, cls);
            lerf[s] = p.getDouble(shares.length + s, cls);
        }
        return new Result(shares.clone(), morf, lerf, mean(morf), mean(lerf), noise);
    }

    /**
     * Noisy linear imputation: removed pixels solve {@code v = sum_n weight_n v_n / sum_n weight_n} over their
     * in-image neighbours (kept pixels fixed), then get N(0, noise) added. Kept pixels are unchanged.
     */
    static float[] impute(float[] image, boolean[] removed, int c, int h, int w, double noise, long seed) {
        float[] out = image.clone();
        SplittableRandom random = new SplittableRandom(seed);
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int p = 0; p < h * w; p++) {
                if (removed[p]) {
                    out[base + p] = 0;
                }
            }
            for (int sweep = 0; sweep < SWEEPS; sweep++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (!removed[y * w + x]) {
                            continue;
                        }
                        double sum = 0;
                        double weight = 0;
                        for (int dy = -1; dy <= 1; dy++) {
                            for (int dx = -1; dx <= 1; dx++) {
                                int ny = y + dy;
                                int nx = x + dx;
                                if ((dy == 0 && dx == 0) || ny < 0 || nx < 0 || ny >= h || nx >= w) {
                                    continue;
                                }
                                double wgt = dy == 0 || dx == 0 ? DIRECT : DIAGONAL;
                                sum += wgt * out[base + ny * w + nx];
                                weight += wgt;
                            }
                        }
                        out[base + y * w + x] = (float) (sum / weight);
                    }
                }
            }
            for (int p = 0; p < h * w; p++) {
                if (removed[p] && noise > 0) {
                    double u1 = 1.0 - random.nextDouble();
                    double u2 = random.nextDouble();
                    out[base + p] += (float) (noise * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
                }
            }
        }
        return out;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
