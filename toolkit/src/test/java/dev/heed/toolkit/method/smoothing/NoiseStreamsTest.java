package dev.heed.toolkit.method.smoothing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.backend.NoiseStreams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The counter form of SplittableRandom that lets the GPU draw SmoothGrad's noise: every draw of the JDK's sequential
 * stream, for several seeds (negative, zero, large), equals {@link NoiseStreams} at its index, and the Gaussians equal
 * the host loop's {@link Noise#gaussian} draw for draw.
 */
class NoiseStreamsTest {
    private static final long[] SEEDS = {0, 1, -7, 42, Long.MIN_VALUE, 0x9e3779b97f4a7c15L, 1234567890123L};

    @Test
    void everyDrawIsTheJdkStreamsDraw() {
        for (long seed : SEEDS) {
            SplittableRandom longs = new SplittableRandom(seed);
            SplittableRandom doubles = new SplittableRandom(seed);
            for (long draw = 1; draw <= 5000; draw++) {
                assertEquals(longs.nextLong(), NoiseStreams.nextLong(seed, draw), "seed " + seed + ", draw " + draw);
                assertEquals(doubles.nextDouble(), NoiseStreams.nextDouble(seed, draw), "seed " + seed + ", draw " + draw);
            }
        }
    }

    @Test
    void gaussiansAreTheHostLoops() {
        for (long seed : SEEDS) {
            SplittableRandom stream = new SplittableRandom(seed);
            for (long after = 0; after < 4000; after += 2) {
                assertEquals(Noise.gaussian(stream), NoiseStreams.gaussian(seed, after), "seed " + seed + ", after draw " + after);
            }
        }
    }
}
