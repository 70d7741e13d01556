package dev.heed.benchmarks;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
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
 * The fused GPU overlay at real sizes, split the way the bandwidth question needs it: the two kernels alone on
 * resident data, the transfers alone, the end-to-end path, and a device-to-device copy of the same bytes as the
 * yardstick (kernels at copy speed = 100%). Each op moves {@code 8 * batch * side^2} bytes on the device; GB/s is that
 * over the time. GPU only: without a device the setup fails with the probe's reason. GPU work is synchronised inside
 * each measured method (every launch and copy waits for the device).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CudaOverlayBenchmark {
    @Param({"256"})
    public int batch;

    @Param({"1024"})
    public int side;

    private Backend backend;
    private Backend cpu;
    private ResidentOverlay overlay;
    private Maps cams;
    private RgbImages images;
    private Blend blend;

    @Setup(Level.Trial)
    public void setUp() {
        CudaBackendProvider provider = new CudaBackendProvider();
        BackendProvider.Probe probe = provider.probe();
        if (!probe.available()) {
            throw new IllegalStateException("CudaOverlayBenchmark needs a GPU: " + probe.reason());
        }
        backend = provider.create(1);
        cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
        Random random = new Random(3);
        float[] camValues = new float[batch * 49];
        for (int i = 0; i < camValues.length; i++) {
            camValues[i] = random.nextFloat();
        }
        int[] rgb = new int[batch * side * side];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        cams = new Maps(camValues, batch, 7, 7);
        images = new RgbImages(rgb, batch, side, side);
        blend = new Blend(Colormap.VIRIDIS.packedLut(), 0.5f);
        overlay = ResidentOverlay.open(camValues, batch, 7, 7, rgb, side, blend.lut(), blend.alpha());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        overlay.close();
        backend.close();
        cpu.close();
    }

    /** The fused kernels on data already on the device. */
    @Benchmark
    public void kernelsOnly() {
        overlay.compute();
    }

    /** Upload of CAMs and images, download of the overlays. */
    @Benchmark
    public int[] transfersOnly() {
        overlay.upload();
        return overlay.download();
    }

    /** Upload, kernels, download. */
    @Benchmark
    public int[] endToEnd() {
        overlay.upload();
        overlay.compute();
        return overlay.download();
    }

    /**
     * The Backend's overlay op: the same upload, kernels and download, streamed in chunks through pinned buffers on two
     * streams so copies overlap kernels (buffers allocated per call, as a batch job would). Against {@link #endToEnd}
     * this is what the overlap buys.
     */
    @Benchmark
    public int[] streamedEndToEnd() {
        return backend.overlay(cams, images, MapRange.own(), blend).rgb();
    }

    /** The CPU backend's overlay of the same batch on every core: the yardstick for the GPU-vs-CPU target. */
    @Benchmark
    public int[] cpuOverlay() {
        return cpu.overlay(cams, images, MapRange.own(), blend).rgb();
    }

    /** Device-to-device copy of the images: the same bytes as the kernels move, at copy speed. */
    @Benchmark
    public void deviceCopy() {
        overlay.deviceCopy();
    }
}
