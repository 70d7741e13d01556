package dev.heed.toolkit.render;

/**
 * The raw-value interval a map is drawn over: {@code lo} goes to the bottom of a colormap and {@code hi} to the top.
 * A {@link Normalization} chooses it; keeping it as a value lets the colour bar label the same numbers the overlay
 * used.
 */
public record Range(double lo, double hi) {

    public Range {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("range bounds must be finite, got [" + lo + ", " + hi + "]");
        }
        if (hi < lo) {
            throw new IllegalArgumentException("range needs hi >= lo, got [" + lo + ", " + hi + "]");
        }
    }

    /**
     * Where {@code v} sits in the range, clamped to [0, 1]. An empty range ({@code hi == lo}) gives 0 for every value,
     * as matplotlib's {@code Normalize} does, so a constant map is drawn in the colormap's lowest colour. NaN stays
     * NaN; {@link Colormap#rgb(double)} draws it as 0.
     */
    public double toUnit(double v) {
        if (hi == lo) {
            return 0.0;
        }
        double u = (v - lo) / (hi - lo);
        return u < 0 ? 0.0 : u > 1 ? 1.0 : u;
    }
}
