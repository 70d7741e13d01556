package dev.heed.toolkit.backend;

/**
 * numpy's default ("linear") percentile, split into the two order statistics it reads and the interpolation between
 * them, so a backend can select those two values however it likes (a sort, a radix selection on the GPU) and every
 * backend still interpolates with the same double arithmetic.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /** numpy 1.24's index {@code (count - 1) * pct / 100}. */
    public static double index(int count, double pct) {
        if (count < 1) {
            throw new IllegalArgumentException("a percentile of no values");
        }
        if (!(pct >= 0 && pct <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + pct);
        }
        return (count - 1) * (pct / 100);
    }

    /** The 0-based rank of the order statistic just below (or at) {@code index}. */
    public static int below(double index) {
        return (int) Math.floor(index);
    }

    /** The 0-based rank just above {@code index}, clamped to the last value. */
    public static int above(double index, int count) {
        return Math.min(below(index) + 1, count - 1);
    }

    /**
     * numpy's lerp between the order statistics {@code atBelow} and {@code atAbove}: from the nearer neighbour, so the
     * result is exact at both ends.
     */
    public static double interpolate(double atBelow, double atAbove, double index) {
        double gamma = index - below(index);
        double diff = atAbove - atBelow;
        return gamma >= 0.5 ? atAbove - diff * (1 - gamma) : atBelow + diff * gamma;
    }

    /** The percentile of values already sorted ascending. */
    public static double ofSorted(float[] sorted, double pct) {
        double index = index(sorted.length, pct);
        return interpolate(sorted[below(index)], sorted[above(index, sorted.length)], index);
    }

    /** The percentile of values already sorted ascending. */
    public static double ofSorted(double[] sorted, double pct) {
        double index = index(sorted.length, pct);
        return interpolate(sorted[below(index)], sorted[above(index, sorted.length)], index);
    }

    /** The {@code lowPct}-th and {@code highPct}-th percentile of {@code values[offset, offset + count)}, by a sort of a copy. */
    public static double[] bySorting(float[] values, int offset, int count, double lowPct, double highPct) {
        float[] sorted = java.util.Arrays.copyOfRange(values, offset, offset + count);
        java.util.Arrays.sort(sorted);
        return new double[] {ofSorted(sorted, lowPct), ofSorted(sorted, highPct)};
    }
}
