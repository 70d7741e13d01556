package dev.heed.toolkit.backend;

/**
 * {@link java.util.SplittableRandom}'s stream as a function of the draw's index, so that any draw can be computed
 * without the ones before it (on the GPU, by every thread at once): {@code new SplittableRandom(seed)} adds the golden
 * gamma to its state before each draw and mixes the state with Stafford's mix13, so draw {@code d} (1-based) is
 * {@code mix64(seed + d * gamma)}; a double is its top 53 bits. {@code NoiseStreamsTest} checks this against the JDK's
 * class. SmoothGrad's noise: {@link #gaussian} is Box-Muller on draws {@code d + 1} and {@code d + 2}, as its host loop.
 */
public final class NoiseStreams {
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private NoiseStreams() {
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** What {@code nextLong()} returns as draw {@code draw} (1-based) of {@code new SplittableRandom(seed)}. */
    public static long nextLong(long seed, long draw) {
        return mix64(seed + draw * GOLDEN_GAMMA);
    }

    /** What {@code nextDouble()} returns as draw {@code draw} (1-based). */
    public static double nextDouble(long seed, long draw) {
        return (nextLong(seed, draw) >>> 11) * 0x1.0p-53;
    }

    /**
     * The standard Gaussian SmoothGrad draws after draw {@code after}: Box-Muller on draws {@code after + 1} and
     * {@code after + 2}, {@code sqrt(-2 ln(1 - u1)) cos(2 pi u2)}.
     */
    public static double gaussian(long seed, long after) {
        double u1 = 1.0 - nextDouble(seed, after + 1);
        double u2 = nextDouble(seed, after + 2);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
