package dev.heed.benchmarks;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.Features;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
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
    private Features activations;
    private float[] weights;
    private Maps cams;
    private Maps bigMaps;
    private Maps unitMaps;
    private RgbImages images;
    private Blend blend;
    private Features gradients;
    private MapRange range;

    @Setup(Level.Trial)
    public void setUp() {
        ops = Backends.open(backend, Runtime.getRuntime().availableProcessors(), line -> { });
        Random random = new Random(1);
        activations = new Features(fill(new float[batch * channels * side * side], random), batch, channels, side, side);
        weights = fill(new float[batch * channels], random);
        cams = new Maps(fill(new float[batch * side * side], random), batch, side, side);
        bigMaps = new Maps(fill(new float[batch * out * out], random), batch, out, out);
        float[] unit = new float[batch * out * out];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = random.nextFloat();
        }
        unitMaps = new Maps(unit, batch, out, out);
        int[] rgb = new int[batch * out * out];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        images = new RgbImages(rgb, batch, out, out);
        gradients = new Features(fill(new float[batch * 3 * out * out], random), batch, 3, out, out);
        float[] hi = new float[batch];
        java.util.Arrays.fill(hi, 1f);
        range = MapRange.given(new float[batch], hi);
        blend = new Blend(Colormap.VIRIDIS.packedLut(), 0.5f);
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
    public Maps camWeightedSum() {
        return ops.weightedChannelSum(activations, weights, true);
    }

    @Benchmark
    public Maps upsample7To224() {
        return ops.upsampleBilinear(cams, out, out);
    }

    @Benchmark
    public Maps normalize224() {
        return ops.normalize(bigMaps, range);
    }

    @Benchmark
    public RgbImages colorizeBlend224() {
        return ops.colorizeBlend(unitMaps, images, blend);
    }

    /** The 1st and 99th percentile of each 224x224 map: a sort per map on the CPU, a radix selection on the GPU. */
    @Benchmark
    public double[] percentiles224() {
        return ops.percentiles(bigMaps, 1, 99);
    }

    /** The whole min-max overlay from 7x7 CAMs: the four ops in turn on the CPU, fused and streamed on the GPU. */
    @Benchmark
    public RgbImages overlay7To224() {
        return ops.overlay(cams, images, MapRange.own(), blend);
    }

    @Benchmark
    public Maps reduceGradientChannels224() {
        return ops.reduceChannels(gradients, ChannelReduction.MAX_ABS);
    }
}
