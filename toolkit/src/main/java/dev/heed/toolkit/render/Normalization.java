package dev.heed.toolkit.render;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.Percentiles;
import java.util.Arrays;

/**
 * How a batch of raw saliency maps is turned into the {@link Range}s they are drawn over. It is a value, not a
 * flag: {@link #describe()} is what provenance records and {@link #parse(String)} reads it back, so a rendered
 * image can be reproduced from its sidecar.
 *
 * <p>Maps arrive as {@code count} maps of {@code pixelsPerMap} floats back to back. Every value must be finite; a
 * NaN or infinity is an error naming the map, because a silently skipped pixel hides a broken method.
 */
public sealed interface Normalization {

    /** One range per map, in map order. */
    Range[] ranges(float[] maps, int count, int pixelsPerMap);

    /** The same ranges, with the heavy part (a percentile's selection) on {@code backend}. */
    default Range[] ranges(float[] maps, int count, int pixelsPerMap, Backend backend) {
        return ranges(maps, count, pixelsPerMap);
    }

    /** The stable text form, e.g. {@code minmax}, {@code percentile:1.0:99.0}, {@code fixed:0.0:1.0}. */
    String describe();

    /** True when the ranges are symmetric around zero, so zero lands mid-scale on a diverging colormap. */
    default boolean signedScale() {
        return false;
    }

    /** Reads the text form of {@link #describe()}; anything else is an error that lists the valid forms. */
    static Normalization parse(String text) {
        String[] parts = text.split(":", -1);
        Normalization parsed;
        try {
            parsed = switch (parts.length) {
                case 1 -> switch (parts[0]) {
                    case "minmax" -> new MinMax();
                    case "batch" -> new BatchMinMax();
                    case "signed" -> new Signed();
                    default -> null;
                };
                case 3 -> switch (parts[0]) {
                    case "percentile" -> new Percentile(Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
                    case "fixed" -> new Fixed(Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
                    default -> null;
                };
                default -> null;
            };
        } catch (IllegalArgumentException e) { // bad numbers or bounds, NumberFormatException included
            throw invalid(text, " (" + e.getMessage() + ")", e);
        }
        if (parsed == null) {
            throw invalid(text, "", null);
        }
        return parsed;
    }

    /** Each map over its own minimum to maximum. */
    record MinMax() implements Normalization {
        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap) {
            check(maps, count, pixelsPerMap);
            Range[] out = new Range[count];
            for (int m = 0; m < count; m++) {
                out[m] = minMax(maps, m * pixelsPerMap, (m + 1) * pixelsPerMap);
            }
            return out;
        }

        @Override
        public String describe() {
            return "minmax";
        }
    }

    /**
     * Each map over its own {@code lowPct}-th to {@code highPct}-th percentile, so a few extreme pixels do not wash
     * out the rest. Percentiles interpolate linearly between order statistics, as numpy's default method does.
     */
    record Percentile(double lowPct, double highPct) implements Normalization {
        public Percentile {
            if (!(0 <= lowPct && lowPct < highPct && highPct <= 100)) {
                throw new IllegalArgumentException(
                        "percentiles need 0 <= low < high <= 100, got " + lowPct + " and " + highPct);
            }
        }

        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap) {
            check(maps, count, pixelsPerMap);
            Range[] out = new Range[count];
            for (int m = 0; m < count; m++) {
                double[] bounds = Percentiles.bySorting(maps, m * pixelsPerMap, pixelsPerMap, lowPct, highPct);
                out[m] = new Range(bounds[0], bounds[1]);
            }
            return out;
        }

        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap, Backend backend) {
            check(maps, count, pixelsPerMap);
            double[] bounds = backend.percentiles(Maps.ofPixels(maps, count, pixelsPerMap), lowPct, highPct);
            Range[] out = new Range[count];
            for (int m = 0; m < count; m++) {
                out[m] = new Range(bounds[2 * m], bounds[2 * m + 1]);
            }
            return out;
        }

        @Override
        public String describe() {
            return "percentile:" + lowPct + ":" + highPct;
        }
    }

    /** The same fixed range for every map, for comparing maps on one absolute scale. */
    record Fixed(double lo, double hi) implements Normalization {
        public Fixed {
            new Range(lo, hi); // throws unless lo, hi form a valid range
        }

        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap) {
            check(maps, count, pixelsPerMap);
            Range[] out = new Range[count];
            Arrays.fill(out, new Range(lo, hi));
            return out;
        }

        @Override
        public String describe() {
            return "fixed:" + lo + ":" + hi;
        }
    }

    /** One range, the minimum to maximum over the whole batch, so maps in a batch are comparable. */
    record BatchMinMax() implements Normalization {
        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap) {
            check(maps, count, pixelsPerMap);
            Range[] out = new Range[count];
            if (count > 0) {
                Arrays.fill(out, minMax(maps, 0, maps.length));
            }
            return out;
        }

        @Override
        public String describe() {
            return "batch";
        }
    }

    /**
     * Each map over [-m, m] with m its largest absolute value, so zero maps to mid-scale on a diverging colormap and
     * the sign of an attribution stays visible. An all-zero map gets [-1, 1], which still draws it as neutral.
     */
    record Signed() implements Normalization {
        @Override
        public Range[] ranges(float[] maps, int count, int pixelsPerMap) {
            check(maps, count, pixelsPerMap);
            Range[] out = new Range[count];
            for (int m = 0; m < count; m++) {
                double max = 0;
                for (int i = m * pixelsPerMap; i < (m + 1) * pixelsPerMap; i++) {
                    max = Math.max(max, Math.abs(maps[i]));
                }
                out[m] = max == 0 ? new Range(-1, 1) : new Range(-max, max);
            }
            return out;
        }

        @Override
        public String describe() {
            return "signed";
        }

        @Override
        public boolean signedScale() {
            return true;
        }
    }

    private static IllegalArgumentException invalid(String text, String detail, Exception cause) {
        return new IllegalArgumentException("invalid normalization '" + text + "'" + detail
                + "; valid: minmax, batch, signed, percentile:<low%>:<high%>, fixed:<lo>:<hi>", cause);
    }

    private static void check(float[] maps, int count, int pixelsPerMap) {
        if (count < 0 || pixelsPerMap < 1) {
            throw new IllegalArgumentException(
                    "need count >= 0 and pixelsPerMap >= 1, got " + count + " and " + pixelsPerMap);
        }
        if ((long) count * pixelsPerMap != maps.length) {
            throw new IllegalArgumentException("expected " + count + " maps of " + pixelsPerMap + " values, got "
                    + maps.length + " values");
        }
        for (int i = 0; i < maps.length; i++) {
            if (!Float.isFinite(maps[i])) {
                throw new IllegalArgumentException("map " + i / pixelsPerMap + " holds " + maps[i] + " at pixel "
                        + i % pixelsPerMap + "; maps must be finite");
            }
        }
    }

    private static Range minMax(float[] maps, int from, int to) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            lo = Math.min(lo, maps[i]);
            hi = Math.max(hi, maps[i]);
        }
        return new Range(lo, hi);
    }
}
