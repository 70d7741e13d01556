package dev.heed.toolkit.engine.plan;

/**
 * Explicit, possibly asymmetric padding of a 2-D window op, in input pixels. Compilers resolve the source's padding
 * modes here (DL4J's {@code Same} pads {@code floor(total / 2)} at the top/left and the rest at the bottom/right), so
 * that executors never see a mode, only four numbers.
 */
public record Padding(int top, int left, int bottom, int right) {
    public static final Padding NONE = new Padding(0, 0, 0, 0);

    public Padding {
        if (top < 0 || left < 0 || bottom < 0 || right < 0) {
            throw new IllegalArgumentException("negative padding " + top + "," + left + "," + bottom + "," + right);
        }
    }

    public boolean isSymmetric() {
        return top == bottom && left == right;
    }
}
