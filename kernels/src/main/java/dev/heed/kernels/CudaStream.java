package dev.heed.kernels;

/**
 * A CUDA stream, owned by whoever holds this; closing waits for its work and destroys it. Copies and kernels queued
 * on one stream run in order; work on two streams may overlap (a copy engine moving one batch while the SMs compute
 * another). Queuing returns at once: the host must not touch a {@link PinnedBuffer} a queued copy reads or writes
 * until {@link #await()} has returned. Errors of queued work surface at the next {@code await}, as one
 * {@link CudaException} naming this stream's last operation.
 */
public final class CudaStream implements AutoCloseable {
    private final CudaDevice device;
    private final long stream;
    private String lastQueued = "nothing";
    private boolean closed;

    CudaStream(CudaDevice device, long stream) {
        this.device = device;
        this.stream = stream;
    }

    /** Queues a copy of {@code bytes} from {@code source} (host) to the start of {@code target} (device). */
    public void upload(DeviceBuffer target, PinnedBuffer source, long bytes) {
        checkSizes(bytes, target.bytes(), source.bytes());
        device.makeCurrent();
        lastQueued = "cuMemcpyHtoDAsync";
        CudaDevice.check(lastQueued, CudaDriver.heed_cuda_to_device_async(target.pointer(), source.address(), bytes, stream), bytes + " bytes");
        device.countToDevice(bytes);
    }

    /** Queues a copy of {@code bytes} from the start of {@code source} (device) to {@code target} (host). */
    public void download(PinnedBuffer target, DeviceBuffer source, long bytes) {
        checkSizes(bytes, source.bytes(), target.bytes());
        device.makeCurrent();
        lastQueued = "cuMemcpyDtoHAsync";
        CudaDevice.check(lastQueued, CudaDriver.heed_cuda_to_host_async(target.address(), source.pointer(), bytes, stream), bytes + " bytes");
        device.countToHost(bytes);
    }

    /** Queues a kernel; {@code arguments} are copied at once, so they may be reused. */
    public void launch(String kernel, int[] grid, int[] block, int sharedBytes, KernelArguments arguments, String shapes) {
        device.makeCurrent();
        long function = device.function(kernel, shapes);
        byte[] packed = arguments.bytes();
        lastQueued = kernel + " " + shapes;
        CudaDevice.check(kernel, CudaDriver.heed_cuda_launch_async(function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                sharedBytes, packed, packed.length, stream), shapes);
    }

    /** Waits until everything queued here has run. */
    public void await() {
        device.makeCurrent();
        CudaDevice.check("stream (last queued: " + lastQueued + ")", CudaDriver.heed_cuda_stream_wait(stream), "");
    }

    private static void checkSizes(long bytes, long deviceBytes, long hostBytes) {
        if (bytes > deviceBytes || bytes > hostBytes) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes between buffers of " + deviceBytes + " (device) and "
                    + hostBytes + " (host) bytes");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.destroyStream(stream);
        }
    }
}
