package dev.heed.benchmarks;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.MapKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The fused overlay kernels for {@code n} CAMs of {@code height x width} over {@code side x side} RGB images, with the
 * data kept on the device between calls: for measuring the kernels apart from the transfers. Benchmark-only: the
 * Backend's {@code overlay} streams its batch through the device instead. Opens its own device (0) and owns it, with
 * every buffer; closing frees them all.
 */
final class ResidentOverlay implements AutoCloseable {
    private final CudaDevice device;
    private final MapKernels kernels;
    private final float[] cams;
    private final int[] images;
    private final int n;
    private final int height;
    private final int width;
    private final int side;
    private final float alpha;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final DeviceBuffer deviceCams;
    private final DeviceBuffer range;
    private final DeviceBuffer deviceImages;
    private final DeviceBuffer deviceLut;
    private final DeviceBuffer out;
    private final DeviceBuffer copy;

    /** Opens device 0, or fails with the probe's reason. */
    static ResidentOverlay open(float[] cams, int n, int height, int width, int[] images, int side, int[] lut, float alpha) {
        if (cams.length != (long) n * height * width || images.length != (long) n * side * side || lut.length != 256) {
            throw new IllegalArgumentException("cams, images or lut do not match [" + n + "][" + height + "][" + width + "] over "
                    + side + "x" + side);
        }
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (!probe.available()) {
            throw new IllegalStateException("the resident overlay needs a GPU: " + probe.reason());
        }
        return new ResidentOverlay(probe.device(), cams, n, height, width, images, side, lut, alpha);
    }

    private ResidentOverlay(CudaDevice device, float[] cams, int n, int height, int width, int[] images, int side, int[] lut, float alpha) {
        this.device = device;
        this.kernels = new MapKernels(device);
        this.cams = cams;
        this.images = images;
        this.n = n;
        this.height = height;
        this.width = width;
        this.side = side;
        this.alpha = alpha;
        long pixels = (long) n * side * side;
        try {
            deviceCams = allocate(4L * cams.length);
            range = allocate(8L * n);
            deviceImages = allocate(4 * pixels);
            deviceLut = allocate(4 * 256).upload(lut);
            out = allocate(4 * pixels);
            copy = allocate(4 * pixels);
            upload();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private DeviceBuffer allocate(long bytes) {
        DeviceBuffer b = device.allocate(bytes, "resident overlay");
        buffers.add(b);
        return b;
    }

    /** Bytes the fused kernel reads and writes (image in, overlay out): the copy-bandwidth yardstick. */
    long bytesPerPass() {
        return 8L * n * side * side;
    }

    /** Host to device: the CAMs and the images. */
    void upload() {
        deviceCams.upload(cams);
        deviceImages.upload(images);
    }

    /** The two kernels: the upsampled range, then upsample + normalise + colour + blend in one pass. */
    void compute() {
        kernels.upsampledMinMax(deviceCams, range, n, height, width, side, side);
        kernels.overlayFused(deviceCams, range, deviceImages, deviceLut, out, n, height, width, side, side, alpha);
    }

    /** Device to host: the overlays. */
    int[] download() {
        return out.downloadInts(n * side * side);
    }

    /** A device-to-device copy of the images: the same bytes moved as {@link #compute}, at copy speed. */
    void deviceCopy() {
        device.copy(copy, deviceImages, 4L * n * side * side);
    }

    /** Frees the buffers, then the device. */
    @Override
    public void close() {
        for (DeviceBuffer b : buffers) {
            b.close();
        }
        buffers.clear();
        device.close();
    }
}
