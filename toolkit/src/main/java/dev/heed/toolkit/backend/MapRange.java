package dev.heed.toolkit.backend;

/**
 * The range each map of a batch is normalised over: its own minimum and maximum, or one given {@code [lo, hi]} per
 * map (a percentile or a fixed scale chosen by the caller).
 */
public sealed interface MapRange {
    /** Each map over its own minimum and maximum (after upsampling, for an overlay). */
    static MapRange own() {
        return Own.INSTANCE;
    }

    /** Map {@code i} over {@code [lo[i], hi[i]]}. */
    static MapRange given(float[] lo, float[] hi) {
        return new Given(lo, hi);
    }

    /**
     * This range for {@code maps} as one (lo, hi) per map: a given range checked against the batch, an own range
     * computed by {@code backend}'s {@link Backend#minMax}.
     */
    default Given over(Maps maps, Backend backend) {
        if (this instanceof Given given) {
            BackendArguments.checkLength("lo", given.lo.length, maps.n());
            return given;
        }
        return Given.ofPairs(backend.minMax(maps));
    }

    /** See {@link #own()}. */
    enum Own implements MapRange {
        INSTANCE
    }

    /** See {@link #given}; the arrays are the caller's, not copied, and never written to. */
    record Given(float[] lo, float[] hi) implements MapRange {
        public Given {
            if (lo == null || hi == null) {
                throw new IllegalArgumentException("a given range needs both lo and hi");
            }
            BackendArguments.checkLength("hi", hi.length, lo.length);
        }

        /** The number of maps this range is for. */
        public int count() {
            return lo.length;
        }

        /** Ranges from a {@code [n][2]} array of (min, max) pairs, as {@link Backend#minMax} gives. */
        public static Given ofPairs(float[] pairs) {
            if (pairs.length % 2 != 0) {
                throw new IllegalArgumentException("an odd number of range values: " + pairs.length);
            }
            float[] lo = new float[pairs.length / 2];
            float[] hi = new float[lo.length];
            for (int i = 0; i < lo.length; i++) {
                lo[i] = pairs[2 * i];
                hi[i] = pairs[2 * i + 1];
            }
            return new Given(lo, hi);
        }
    }
}
