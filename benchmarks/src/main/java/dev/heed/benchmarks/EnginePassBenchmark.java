package dev.heed.benchmarks;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.render.Colormap;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The model pass on Heed's CUDA engine, on torchvision's ResNet-50 layout (4.09 GMAC per 224x224 image; weights drawn
 * from a seed, so nothing but the seed travels): the forward pass alone, Grad-CAM's pass (forward capturing
 * {@code layer4[-1]}, backward from the class scores to it, captured activations and gradients brought to the host),
 * the whole Grad-CAM explanation as {@code heed overlay --backend cuda} runs it short of the PNG files (the pass,
 * captured activations and gradients handed to the CUDA backend's scope on the device, weights, weighted sum, ReLU,
 * upsampling to 224x224, the maps down, then the fused overlay of each map on its 224x224 RGB image), and the input
 * gradient (backward all the way to the image), in exact FP32 and on the tensor cores in TF32. Time per batch; images
 * per second is {@code batch / time}.
 * Needs a CUDA device (the emulated driver runs it too, at toy sizes only).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class EnginePassBenchmark {
    @Param({"1", "8", "64", "256"})
    public int batch;

    @Param({"224"})
    public int size;

    /** FP32: exact, on the CUDA cores; TF32: the tensor cores (sm_80 and newer). */
    @Param({"FP32", "TF32"})
    public String precision;

    private CudaDevice device;
    private CompiledPlan compiled;
    private HostTensor images;
    private HostTensor oneHot;
    private Backend maps;
    private RgbImages photos;
    private final Blend blend = new Blend(Colormap.JET.packedLut(), 0.5f);

    @Setup(Level.Trial)
    public void setUp() {
        device = CudaDevice.open(0).require();
        Plan plan = TorchvisionResNet50Plan.build(size, 1);
        compiled = new CudaPlanExecutor(device, EngineKernels.Precision.valueOf(precision)).compile(plan);
        SplittableRandom random = new SplittableRandom(2);
        float[] pixels = new float[batch * 3 * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        images = new HostTensor(new int[] {batch, 3, size, size}, pixels);
        float[] weights = new float[batch * 1000];
        for (int i = 0; i < batch; i++) {
            weights[i * 1000 + (i * 37) % 1000] = 1;
        }
        oneHot = new HostTensor(new int[] {batch, 1000}, weights);
        maps = new CudaBackendProvider().create(1, 0);
        int[] rgb = new int[batch * size * size];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        photos = new RgbImages(rgb, batch, size, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        maps.close();
        compiled.close();
        device.close();
    }

    @Benchmark
    public HostTensor forward() {
        return compiled.logits(images);
    }

    @Benchmark
    public void gradCamPass(Blackhole sink) {
        try (PlanPass pass = compiled.forward(images, TorchvisionResNet50Plan.LAST_BLOCK)) {
            sink.consume(pass.captured());
            sink.consume(pass.backward(oneHot));
        }
    }

    @Benchmark
    public RgbImages gradCam() {
        Maps cams;
        try (ArrayScope scope = maps.openScope(); PlanPass pass = compiled.forward(images, TorchvisionResNet50Plan.LAST_BLOCK)) {
            ResidentArray activations = pass.captured(scope);
            ResidentArray gradients = pass.backward(oneHot, ReluGradient.STANDARD, scope);
            ResidentArray weighted = maps.weightedChannelSum(activations, maps.channelMeans(gradients), true);
            cams = new Maps(scope.download(maps.upsampleBilinear(weighted, size, size)), batch, size, size);
        }
        return maps.overlay(cams, photos, MapRange.own(), blend);
    }

    @Benchmark
    public HostTensor inputGradient() {
        try (PlanPass pass = compiled.forward(images, null)) {
            return pass.backward(oneHot);
        }
    }
}
