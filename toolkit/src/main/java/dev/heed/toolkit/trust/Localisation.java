package dev.heed.toolkit.trust;

/**
 * Does the map point at the object? The pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation
 * Backprop"): a hit when the map's maximum lies inside the object's box, grown by a tolerance of 15 pixels at the
 * paper's 224-pixel scale (scaled with the image). And the energy inside the box: the share of the map's positive mass
 * that falls in it.
 */
public final class Localisation {

    /** An axis-aligned box, in pixels, {@code [left, left+width) x [top, top+height)}. */
    public record Box(int left, int top, int width, int height) {
        public Box {
            if (width < 1 || height < 1) {
                throw new IllegalArgumentException("box must be at least 1x1, got " + width + "x" + height);
            }
        }

        boolean contains(double x, double y, double margin) {
            return x >= left - margin && x < left + width + margin && y >= top - margin && y < top + height + margin;
        }
    }

    private Localisation() {
    }

    /** The tolerance of the pointing game for an image of this size: 15 px at 224 px, in proportion. */
    public static double tolerance(int width, int height) {
        return 15.0 * Math.max(width, height) / 224.0;
    }

    /** True when the map's maximum (the first one in row-major order on ties) is within the tolerance of the box. */
    public static boolean pointingHit(float[] map, int width, int height, Box box) {
        int best = 0;
        for (int i = 1; i < map.length; i++) {
            if (map[i] > map[best]) {
                best = i;
            }
        }
        return box.contains(best % width + 0.5, best / width + 0.5, tolerance(width, height));
    }

    /** Share of the map's positive mass inside the box; 0 for a map with no positive value. */
    public static double energyInBox(float[] map, int width, Box box) {
        double inside = 0;
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            double v = Math.max(0, map[i]);
            total += v;
            if (box.contains(i % width + 0.5, i / width + 0.5, 0)) {
                inside += v;
            }
        }
        return total > 0 ? inside / total : 0;
    }
}
