package dev.heed.toolkit.trust;

import java.util.Arrays;
import java.util.Comparator;

/**
 * How alike two maps of the same size are, as Adebayo et al. (2018, "Sanity Checks for Saliency Maps") compare a
 * model's maps with those of a randomised model: Spearman rank correlation (of the signed values and of their
 * magnitudes) and SSIM (Wang et al. 2004) of the maps min-max normalised to [0, 1].
 */
public final class MapSimilarity {
    private MapSimilarity() {
    }

    /** Spearman's rho: the Pearson correlation of the ranks, ties given their average rank. NaN when a map is constant. */
    public static double spearman(float[] a, float[] b) {
        requireSameLength(a, b);
        return pearson(ranks(a), ranks(b));
    }

    /** Spearman's rho of the absolute values: whether the same pixels matter, whatever the sign. */
    public static double spearmanOfMagnitudes(float[] a, float[] b) {
        return spearman(abs(a), abs(b));
    }

    /**
     * Mean SSIM over 7x7 windows (all that fit), with sample covariances and the constants of Wang et al.
     * ({@code K1 = 0.01, K2 = 0.03}, data range 1), after each map is min-max normalised to [0, 1] (a constant map
     * becomes all zeros).
     */
    public static double ssim(float[] a, float[] b, int width, int height) {
        requireSameLength(a, b);
        if (a.length != width * height) {
            throw new IllegalArgumentException("maps have " + a.length + " values, not " + width + "x" + height);
        }
        double[] x = unit(a);
        double[] y = unit(b);
        int window = Math.min(7, Math.min(width, height));
        double c1 = 0.01 * 0.01;
        double c2 = 0.03 * 0.03;
        double n = window * window;
        double total = 0;
        int count = 0;
        for (int top = 0; top + window <= height; top++) {
            for (int left = 0; left + window <= width; left++) {
                double sx = 0;
                double sy = 0;
                double sxx = 0;
                double syy = 0;
                double sxy = 0;
                for (int r = top; r < top + window; r++) {
                    for (int c = left; c < left + window; c++) {
                        double u = x[r * width + c];
                        double v = y[r * width + c];
                        sx += u;
                        sy += v;
                        sxx += u * u;
                        syy += v * v;
                        sxy += u * v;
                    }
                }
                double mx = sx / n;
                double my = sy / n;
                double vx = n > 1 ? (sxx - n * mx * mx) / (n - 1) : 0;
                double vy = n > 1 ? (syy - n * my * my) / (n - 1) : 0;
                double cov = n > 1 ? (sxy - n * mx * my) / (n - 1) : 0;
                total += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count++;
            }
        }
        return total / count;
    }

    /**
     * Similarity of the maps' histograms of oriented gradients (Dalal and Triggs 2005), as in Adebayo et al.: 9
     * unsigned orientation bins per 4x4-pixel cell, each cell's histogram L2-normalised, then the Pearson correlation of
     * the two feature vectors. NaN when either map has no gradient at all.
     */
    public static double hog(float[] a, float[] b, int width, int height) {
        requireSameLength(a, b);
        return pearson(hogFeatures(unit(a), width, height), hogFeatures(unit(b), width, height));
    }

    static double[] hogFeatures(double[] map, int width, int height) {
        int cell = 4;
        int bins = 9;
        int cellsX = Math.max(1, width / cell);
        int cellsY = Math.max(1, height / cell);
        double[] features = new double[cellsX * cellsY * bins];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double gx = map[y * width + Math.min(width - 1, x + 1)] - map[y * width + Math.max(0, x - 1)];
                double gy = map[Math.min(height - 1, y + 1) * width + x] - map[Math.max(0, y - 1) * width + x];
                double magnitude = Math.hypot(gx, gy);
                if (magnitude == 0) {
                    continue;
                }
                double angle = Math.atan2(gy, gx);
                if (angle < 0) {
                    angle += Math.PI;
                }
                int bin = Math.min(bins - 1, (int) (angle / Math.PI * bins));
                int cx = Math.min(cellsX - 1, x / cell);
                int cy = Math.min(cellsY - 1, y / cell);
                features[(cy * cellsX + cx) * bins + bin] += magnitude;
            }
        }
        for (int k = 0; k < cellsX * cellsY; k++) {
            double norm = 0;
            for (int j = 0; j < bins; j++) {
                norm += features[k * bins + j] * features[k * bins + j];
            }
            norm = Math.sqrt(norm) + 1e-12;
            for (int j = 0; j < bins; j++) {
                features[k * bins + j] /= norm;
            }
        }
        return features;
    }

    static double[] ranks(float[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double average = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) {
                ranks[order[k]] = average;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    private static float[] abs(float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.abs(a[i]);
        }
        return out;
    }

    private static double[] unit(float[] a) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : a) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = hi > lo ? (a[i] - lo) / (hi - lo) : 0;
        }
        return out;
    }

    private static void requireSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps differ in size: " + a.length + " and " + b.length + " values");
        }
    }
}
