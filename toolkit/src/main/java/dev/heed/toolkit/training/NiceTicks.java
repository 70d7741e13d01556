package dev.heed.toolkit.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Axis ticks at "nice numbers" (Heckbert, Graphics Gems, 1990): multiples of 1, 2 or 5 × 10^k on a linear axis, and
 * powers of ten (with 2× and 5× between them when the axis spans less than about two decades) on a log axis. Only
 * ticks inside the axis range are returned, so the data keep the whole frame.
 */
final class NiceTicks {
    private NiceTicks() {
    }

    /** The step, 1, 2 or 5 × 10^k, that cuts {@code span} into about {@code target} pieces. */
    static double step(double span, int target) {
        double raw = span / Math.max(1, target);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        // Heckbert's rounding: the nice step nearest the raw one, so the count stays near the target either way
        double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * magnitude;
    }

    /** Multiples of a nice step inside {@code [lo, hi]}, about {@code target} of them. */
    static double[] linear(double lo, double hi, int target) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double step = step(hi - lo, target);
        List<Double> out = new ArrayList<>();
        // integer multiples, so 0.1 + 0.2 rounding never shows up as 0.30000000000000004
        for (long k = (long) Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
            out.add(k * step);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Powers of ten inside {@code [lo, hi]} (both > 0), thinned to about {@code target}, with 2× and 5× added when fewer than three. */
    static double[] log(double lo, double hi, int target) {
        int first = (int) Math.ceil(Math.log10(lo) - 1e-9);
        int last = (int) Math.floor(Math.log10(hi) + 1e-9);
        List<Double> out = new ArrayList<>();
        if (last - first + 1 >= 3) {
            int every = (int) Math.ceil((last - first + 1) / (double) Math.max(1, target));
            for (int e = first; e <= last; e += every) {
                out.add(Math.pow(10, e));
            }
        } else {
            for (int e = first - 1; e <= last; e++) {
                for (double m : new double[] {1, 2, 5}) {
                    double v = m * Math.pow(10, e);
                    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                        out.add(v);
                    }
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Labels for one axis's ticks with no more digits than needed ("0.25", "1500"); in scientific form ("1e-4", "5e-4")
     * for every tick when any of them is below 1e-3 or from 1e5 up, so one axis never mixes the two forms.
     */
    static String[] labels(double[] ticks, boolean log) {
        boolean scientific = false;
        for (double t : ticks) {
            scientific |= t != 0 && (Math.abs(t) < 1e-3 || Math.abs(t) >= 1e5);
        }
        double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks.length == 1 ? ticks[0] : 1);
        String[] out = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) {
            double t = ticks[i];
            if (t == 0) {
                out[i] = "0";
            } else if (scientific) {
                String[] parts = String.format(Locale.ROOT, "%.1e", t).split("e");
                // 1.0e-04 -> 1e-4, 2.5e+05 -> 2.5e5
                String mantissa = parts[0].replaceAll("\\.0$", "");
                out[i] = mantissa + "e" + Integer.parseInt(parts[1]);
            } else {
                // a log axis's ticks each need their own digits (0.01, 0.02, 0.05); a linear axis's those of its step
                double own = log ? Math.pow(10, Math.floor(Math.log10(Math.abs(t)) + 1e-9)) : step;
                int decimals = Math.max(0, (int) -Math.floor(Math.log10(own) + 1e-9));
                out[i] = String.format(Locale.ROOT, "%." + decimals + "f", t);
            }
        }
        return out;
    }
}
