package dev.heed.benchmarks;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.render.Colormap;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The backend ops on a batch of ResNet-sized CAM inputs: 2048 channels at 7x7 weighted and summed, the maps upsampled
 * to 224x224, normalised, coloured and blended, and a 3-channel 224x224 gradient reduced over channels. One
 * {@code backend} value per backend ({@code -p backend=cpu,cuda} on a GPU machine). Results are returned so JMH sinks them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MapMathBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"8", "32"})
    public int batch;

    public int channels = 2048;
    public int side = 7;
    public int out = 224;

    private Backend ops;
    private float[] activations;
    private float[] weights;
    private float[] cams;
    private float[] bigMaps;
    private float[] unitMaps;
    private int[] images;
    private int[] lut;
    private float[] gradients;
    private float[] lo;
    private float[] hi;

    @Setup(Level.Trial)
    public void setUp() {
        ops = Backends.open(backend, Runtime.getRuntime().availableProcessors(), line -> { });
        Random random = new Random(1);
        activations = fill(new float[batch * channels * side * side], random);
        weights = fill(new float[batch * channels], random);
        cams = fill(new float[batch * side * side], random);
        bigMaps = fill(new float[batch * out * out], random);
        unitMaps = new float[batch * out * out];
        for (int i = 0; i < unitMaps.length; i++) {
            unitMaps[i] = random.nextFloat();
        }
        images = new int[batch * out * out];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(1 << 24);
        }
        gradients = fill(new float[batch * 3 * out * out], random);
        lo = new float[batch];
        hi = new float[batch];
        java.util.Arrays.fill(hi, 1f);
        lut = Colormap.VIRIDIS.packedLut();
    }

    private static float[] fill(float[] a, Random random) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
    }

    @Benchmark
    public float[] camWeightedSum() {
        return ops.weightedChannelSum(activations, weights, batch, channels, side, side, true);
    }

    @Benchmark
    public float[] upsample7To224() {
        return ops.upsampleBilinear(cams, batch, side, side, out, out);
    }

    @Benchmark
    public float[] normalize224() {
        return ops.normalize(bigMaps, batch, out * out, lo, hi);
    }

    @Benchmark
    public int[] colorizeBlend224() {
        return ops.colorizeBlend(unitMaps, images, batch, out * out, lut, 0.5f);
    }

    /** The 1st and 99th percentile of each 224x224 map: a sort per map on the CPU, a radix selection on the GPU. */
    @Benchmark
    public double[] percentiles224() {
        return ops.percentiles(bigMaps, batch, out * out, 1, 99);
    }

    /** The whole min-max overlay from 7x7 CAMs: the four ops in turn on the CPU, fused and streamed on the GPU. */
    @Benchmark
    public int[] overlay7To224() {
        return ops.overlay(cams, batch, side, side, images, out, out, null, null, lut, 0.5f);
    }

    @Benchmark
    public float[] reduceGradientChannels224() {
        return ops.reduceChannels(gradients, batch, 3, out, out, ChannelReduction.MAX_ABS);
    }
}
