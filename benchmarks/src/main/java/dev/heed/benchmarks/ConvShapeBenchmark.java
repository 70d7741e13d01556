package dev.heed.benchmarks;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.EngineKernels;
import java.util.SplittableRandom;
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
 * Each distinct convolution of torchvision's ResNet-50 (v1.5) at 224x224, alone, on Heed's implicit-GEMM kernels:
 * forward and input gradient (backward-data), exact FP32 and TF32. report.py divides the shape's multiply-adds
 * ({@link #macs}, times 2 for FLOP) by the median time, for the targets (at least 40% of the FP32 peak, 25%
 * of the TF32 dense peak). Needs a CUDA device (the emulated driver runs it at toy sizes only).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConvShapeBenchmark {
    /**
     * The shape, {@code in>out kK sS @side} (channels in and out, square kernel, stride, square input side), as the
     * convolutions occur in ResNet-50 at 224x224; padding is {@code K/2}. report.py reads the same string.
     */
    @Param({"3>64 k7 s2 @224",
            "64>64 k1 s1 @56", "64>64 k3 s1 @56", "64>256 k1 s1 @56", "256>64 k1 s1 @56",
            "256>128 k1 s1 @56", "128>128 k3 s2 @56", "128>512 k1 s1 @28", "256>512 k1 s2 @56", "512>128 k1 s1 @28", "128>128 k3 s1 @28",
            "512>256 k1 s1 @28", "256>256 k3 s2 @28", "256>1024 k1 s1 @14", "512>1024 k1 s2 @28", "1024>256 k1 s1 @14", "256>256 k3 s1 @14",
            "1024>512 k1 s1 @14", "512>512 k3 s2 @14", "512>2048 k1 s1 @7", "1024>2048 k1 s2 @14", "2048>512 k1 s1 @7", "512>512 k3 s1 @7"})
    public String shape;

    @Param({"256"})
    public int batch;

    @Param({"FP32", "TF32"})
    public String precision;

    private CudaDevice device;
    private EngineKernels kernels;
    private EngineKernels.Conv2d conv;
    private DeviceBuffer x;
    private DeviceBuffer w;
    private DeviceBuffer y;

    private static final java.util.regex.Pattern SHAPE = java.util.regex.Pattern.compile("(\\d+)>(\\d+) k(\\d+) s(\\d+) @(\\d+)");

    /** The convolution {@code shape} names, at {@code batch}: padding k/2, so a stride-s layer divides the side by s. */
    static EngineKernels.Conv2d conv(String shape, int batch) {
        java.util.regex.Matcher m = SHAPE.matcher(shape);
        if (!m.matches()) {
            throw new IllegalArgumentException("a shape is 'in>out kK sS @side', got '" + shape + "'");
        }
        int in = Integer.parseInt(m.group(1));
        int outChannels = Integer.parseInt(m.group(2));
        int kernel = Integer.parseInt(m.group(3));
        int stride = Integer.parseInt(m.group(4));
        int side = Integer.parseInt(m.group(5));
        int pad = kernel / 2;
        int out = (side + 2 * pad - kernel) / stride + 1;
        return new EngineKernels.Conv2d(batch, in, side, side, outChannels, out, out, kernel, kernel, stride, stride, pad, pad, 1, 1);
    }

    /** Multiply-adds of one pass (the input gradient costs the same). */
    static long macs(EngineKernels.Conv2d c) {
        return (long) c.batch() * c.outChannels() * c.outHeight() * c.outWidth() * c.inChannels() * c.kernelHeight() * c.kernelWidth();
    }

    @Setup(Level.Trial)
    public void setUp() {
        device = CudaDevice.open(0).require();
        kernels = new EngineKernels(device, EngineKernels.Precision.valueOf(precision));
        conv = conv(shape, batch);
        SplittableRandom random = new SplittableRandom(shape.hashCode());
        // the operands a pass reads hold values; what it only writes (y for forward, x for the input gradient) is
        // filled too, cheaply, since each benchmark's output is the other's operand
        x = filled(conv.batch() * conv.inChannels() * conv.height() * conv.width(), random);
        w = filled(conv.outChannels() * conv.inChannels() * conv.kernelHeight() * conv.kernelWidth(), random);
        y = filled(conv.batch() * conv.outChannels() * conv.outHeight() * conv.outWidth(), random);
    }

    /**
     * {@code count} floats of a 4,096-value random pattern, repeated: real values for the kernels (timing does not
     * depend on them) without drawing hundreds of millions of Gaussians per trial.
     */
    private DeviceBuffer filled(long count, SplittableRandom random) {
        float[] pattern = new float[4096];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (float) random.nextGaussian();
        }
        float[] values = new float[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i += pattern.length) {
            System.arraycopy(pattern, 0, values, i, Math.min(pattern.length, values.length - i));
        }
        return device.allocate(count * Float.BYTES, "conv shape benchmark").upload(values);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        w.close();
        y.close();
        device.close();
    }

    @Benchmark
    public void forward() {
        kernels.conv2dForward(conv, x, w, y, null, null, EngineKernels.Activation.IDENTITY, 0);
    }

    @Benchmark
    public void inputGradient() {
        kernels.conv2dBackwardData(conv, y, w, x, false);
    }
}
