package dev.heed.benchmarks;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.NORM_MINMAX;
import static org.bytedeco.opencv.global.opencv_core.addWeighted;
import static org.bytedeco.opencv.global.opencv_core.normalize;
import static org.bytedeco.opencv.global.opencv_imgproc.COLORMAP_VIRIDIS;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.applyColorMap;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.render.Colormap;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
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
 * The whole overlay path for a batch of CAMs: 7x7 maps upsampled bilinearly to {@code side x side}, min-max normalised,
 * coloured through viridis and alpha-blended over RGB images. Heed's Backend (CPU or CUDA, end to end with copies) side
 * by side with OpenCV's resize + normalize + applyColorMap + addWeighted on the same data, the peer a JVM user would
 * otherwise reach for. Bytes moved per op: {@code batch * side^2 * 4} (map) {@code + 2 * batch * side^2 * 4} (image in,
 * overlay out) as packed ints; divide by the time for GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OverlayBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"8"})
    public int batch;

    @Param({"224", "1024"})
    public int side;

    private static final float ALPHA = 0.5f;
    private Backend ops;
    private float[] cams;
    private int[] images;
    private int[] lut;
    private Mat[] cvCams;
    private Mat[] cvImages;
    private Mat resized;
    private Mat scaled;
    private Mat heat;
    private Mat blended;

    @Setup(Level.Trial)
    public void setUp() {
        ops = Backends.open(backend, Runtime.getRuntime().availableProcessors(), line -> { });
        Random random = new Random(3);
        cams = new float[batch * 49];
        for (int i = 0; i < cams.length; i++) {
            cams[i] = random.nextFloat() * 4 - 1;
        }
        int pixels = side * side;
        images = new int[batch * pixels];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(1 << 24);
        }
        lut = Colormap.VIRIDIS.packedLut();
        cvCams = new Mat[batch];
        cvImages = new Mat[batch];
        for (int i = 0; i < batch; i++) {
            float[] one = new float[49];
            System.arraycopy(cams, i * 49, one, 0, 49);
            cvCams[i] = new Mat(7, 7, CV_32F, new FloatPointer(one)).clone();
            byte[] bgr = new byte[pixels * 3];
            for (int p = 0; p < pixels; p++) {
                int rgb = images[i * pixels + p];
                bgr[3 * p] = (byte) rgb;
                bgr[3 * p + 1] = (byte) (rgb >> 8);
                bgr[3 * p + 2] = (byte) (rgb >> 16);
            }
            cvImages[i] = new Mat(side, side, CV_8UC3, new BytePointer(bgr)).clone();
        }
        resized = new Mat();
        scaled = new Mat();
        heat = new Mat();
        blended = new Mat();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
    }

    /** Heed: upsample, min-max, normalise, colour + blend, through the Backend. */
    /** {@code Backend.overlay}: the four steps fused per map on the CPU backend. */
    @Benchmark
    public int[] heedOverlay() {
        return ops.overlay(new Maps(cams, batch, 7, 7), new RgbImages(images, batch, side, side), MapRange.own(), new Blend(lut, ALPHA)).rgb();
    }

    /** The same overlay as four separate Backend ops, each returning a batch-sized array (how Heed drew it before). */
    @Benchmark
    public int[] heedSeparateOps() {
        Maps up = ops.upsampleBilinear(new Maps(cams, batch, 7, 7), side, side);
        Maps unit = ops.normalize(up, MapRange.Given.ofPairs(ops.minMax(up)));
        return ops.colorizeBlend(unit, new RgbImages(images, batch, side, side), new Blend(lut, ALPHA)).rgb();
    }

    /** OpenCV 4.5.5: resize (INTER_LINEAR), normalize to 8 bits (NORM_MINMAX), applyColorMap (viridis), addWeighted. */
    @Benchmark
    public long opencvOverlay() {
        long checksum = 0;
        for (int i = 0; i < batch; i++) {
            resize(cvCams[i], resized, new Size(side, side), 0, 0, INTER_LINEAR);
            normalize(resized, scaled, 0, 255, NORM_MINMAX, CV_8U, null);
            applyColorMap(scaled, heat, COLORMAP_VIRIDIS);
            addWeighted(cvImages[i], 1 - ALPHA, heat, ALPHA, 0, blended);
            checksum += blended.data().get(0);
        }
        return checksum;
    }
}
