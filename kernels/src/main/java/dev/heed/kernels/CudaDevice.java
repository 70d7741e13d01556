package dev.heed.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One GPU with Heed's kernel module loaded: the owner of the CUDA context and module. Open it with {@link #open},
 * which says why when there is no usable device; close it to unload the module and release the context. Buffers it
 * hands out must be closed before it is. Not thread-safe: one caller at a time (the Backend serialises).
 */
public final class CudaDevice implements AutoCloseable {
    /** The result of looking for a device: one or the reason there is none. */
    public record Probe(CudaDevice device, String reason) {
        public boolean available() {
            return device != null;
        }

        /** The device, or an {@link IllegalStateException} whose message is the reason there is none. */
        public CudaDevice require() {
            if (device == null) {
                throw new IllegalStateException(reason);
            }
            return device;
        }
    }

    static final String FATBIN = "heed_kernels.fatbin";
    static final String PTX = "heed_kernels.ptx";
    private static final int MESSAGE = 512;

    private final int ordinal;
    private final long context;
    private final String name;
    private final int capability;
    private final long module;
    private final Map<String, Long> functions = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong liveBuffers = new AtomicLong();
    private final AtomicLong liveStreams = new AtomicLong();
    private final AtomicLong peakBuffers = new AtomicLong();
    private final AtomicLong bytesToDevice = new AtomicLong();
    private final AtomicLong bytesToHost = new AtomicLong();
    private volatile boolean closed;

    private CudaDevice(int ordinal, long context, String name, int capability, long module) {
        this.ordinal = ordinal;
        this.context = context;
        this.name = name;
        this.capability = capability;
        this.module = module;
    }

    /**
     * The driver library Heed loads: {@code libcuda.so.1} (the NVIDIA driver), unless the system property
     * {@code heed.cuda.driver} names another, such as the emulated driver the tests build. The first one loaded stays
     * for the life of the JVM.
     */
    public static String driverLibrary() {
        return System.getProperty("heed.cuda.driver", "libcuda.so.1");
    }

    /**
     * Opens device {@code ordinal}, or says why it cannot: no JNI library, no driver, no device, or a module the driver
     * refuses. Opens are serialised across the process: the shim's first open fills one process-wide table (the driver
     * library and its entry points), which two threads opening devices at once (Spark tasks on two GPUs of one
     * executor) must not race to write.
     */
    public static synchronized Probe open(int ordinal) {
        try {
            byte[] message = new byte[MESSAGE];
            long[] context = new long[1];
            int r = CudaDriver.heed_cuda_open(driverLibrary(), ordinal, message, MESSAGE, context);
            if (r != 0) {
                return new Probe(null, "no CUDA device: " + text(message) + (r > 0 ? " (" + errorText(r) + ")" : ""));
            }
            try {
                return loaded(ordinal, text(message), context[0]);
            } catch (IOException | RuntimeException e) {
                CudaDriver.heed_cuda_close(ordinal); // the open retained the context: release it with the failure
                throw e;
            }
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return new Probe(null, "no CUDA device: the JNI library cannot be loaded (" + e.getMessage() + ")");
        } catch (IOException | RuntimeException e) {
            return new Probe(null, "no CUDA device: " + e.getMessage());
        }
    }

    /** The opened device {@code ordinal} with Heed's kernels loaded, or why its driver refuses them (the device released). */
    private static Probe loaded(int ordinal, String name, long context) throws IOException {
        int[] capability = new int[1];
        int attribute = CudaDriver.heed_cuda_capability(ordinal, capability);
        long[] module = new long[1];
        int loaded = attribute != 0 ? attribute : CudaDriver.heed_cuda_load_module(image(FATBIN), module);
        if (loaded != 0 && attribute == 0) {
            // no SASS for this GPU and the fatbin's PTX is too new for the driver: try the compute_75 PTX
            loaded = CudaDriver.heed_cuda_load_module(image(PTX), module);
        }
        if (loaded != 0) {
            CudaDriver.heed_cuda_close(ordinal);
            return new Probe(null, "no CUDA device: " + name + " (sm_" + capability[0] + ") rejects Heed's kernels ("
                    + errorText(loaded) + "); a newer driver may be needed for CUDA 13 PTX");
        }
        return new Probe(new CudaDevice(ordinal, context, name, capability[0], module[0]), null);
    }

    private static byte[] image(String resource) throws IOException {
        try (InputStream in = CudaDevice.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the kernel image " + resource + " is missing from the jar");
            }
            byte[] bytes = in.readAllBytes();
            if (resource.endsWith(".ptx")) {
                byte[] terminated = new byte[bytes.length + 1]; // cuModuleLoadData reads PTX as a C string
                System.arraycopy(bytes, 0, terminated, 0, bytes.length);
                return terminated;
            }
            return bytes;
        }
    }

    public String name() {
        return name;
    }

    /** The device's CUDA ordinal. Handles opened on one ordinal share its primary context, so each can read the other's buffers. */
    public int ordinal() {
        return ordinal;
    }

    /**
     * Bytes copied from the host to this device through this handle since it was opened (synchronous and queued
     * copies alike): what a test of where the data lives reads.
     */
    public long bytesToDevice() {
        return bytesToDevice.get();
    }

    /** Bytes copied from this device to the host through this handle since it was opened. */
    public long bytesToHost() {
        return bytesToHost.get();
    }

    void countToDevice(long bytes) {
        bytesToDevice.addAndGet(bytes);
    }

    void countToHost(long bytes) {
        bytesToHost.addAndGet(bytes);
    }

    /** Compute capability as major * 10 + minor (90 for Hopper). */
    public int capability() {
        return capability;
    }

    /** Buffers, device and pinned host, allocated and not yet closed. */
    public long liveBuffers() {
        return liveBuffers.get();
    }

    /**
     * The most buffers that were allocated at once since the last {@link #resetPeakBuffers()} (or the open): what a
     * test of a loop's memory reads, since a loop that keeps every pass's arrays peaks higher with more passes.
     */
    public long peakBuffers() {
        return peakBuffers.get();
    }

    /** Starts a new peak at the buffers allocated now. */
    public void resetPeakBuffers() {
        peakBuffers.set(liveBuffers.get());
    }

    /** Streams created and not yet closed. */
    public long liveStreams() {
        return liveStreams.get();
    }

    /**
     * Makes this device's context current on the calling thread: CUDA contexts are current per thread, and callers
     * (a viewer's map thread, JMH's benchmark threads) need not be the thread that opened the device.
     */
    void makeCurrent() {
        ensureOpen();
        check("cuCtxSetCurrent", CudaDriver.heed_cuda_current(context), "");
    }

    /** Device memory for {@code bytes}; the caller owns it and must close it. */
    public DeviceBuffer allocate(long bytes, String operation) {
        makeCurrent();
        long[] pointer = new long[1];
        check(operation + ": cuMemAlloc(" + bytes + " bytes)", CudaDriver.heed_cuda_alloc(Math.max(1, bytes), pointer), "");
        peakBuffers.accumulateAndGet(liveBuffers.incrementAndGet(), Math::max);
        return new DeviceBuffer(this, pointer[0], bytes);
    }

    /** Page-locked host memory for {@code bytes}, which asynchronous copies need; the caller owns it and must close it. */
    public PinnedBuffer allocatePinned(long bytes, String operation) {
        makeCurrent();
        long[] address = new long[1];
        check(operation + ": cuMemHostAlloc(" + bytes + " bytes)", CudaDriver.heed_cuda_host_alloc(Math.max(1, bytes), address), "");
        peakBuffers.accumulateAndGet(liveBuffers.incrementAndGet(), Math::max);
        return new PinnedBuffer(this, address[0], bytes);
    }

    void freePinned(long address) {
        try {
            makeCurrent();
            check("cuMemFreeHost", CudaDriver.heed_cuda_host_free(address), "");
        } finally {
            liveBuffers.decrementAndGet();
        }
    }

    /** A stream of its own, whose copies and kernels run in order but overlap with other streams'; the caller closes it. */
    public CudaStream createStream() {
        makeCurrent();
        long[] stream = new long[1];
        check("cuStreamCreate", CudaDriver.heed_cuda_stream_create(stream), "");
        liveStreams.incrementAndGet();
        return new CudaStream(this, stream[0]);
    }

    void destroyStream(long stream) {
        try {
            makeCurrent();
            check("cuStreamDestroy", CudaDriver.heed_cuda_stream_destroy(stream), "");
        } finally {
            liveStreams.decrementAndGet();
        }
    }

    void free(long pointer) {
        try {
            makeCurrent();
            check("cuMemFree", CudaDriver.heed_cuda_free(pointer), "");
        } finally {
            liveBuffers.decrementAndGet();
        }
    }

    /** Copies {@code bytes} from one device buffer to another and waits. */
    public void copy(DeviceBuffer target, DeviceBuffer source, long bytes) {
        makeCurrent();
        if (bytes > target.bytes() || bytes > source.bytes()) {
            throw new IllegalArgumentException("copy of " + bytes + " bytes between buffers of " + source.bytes() + " and " + target.bytes());
        }
        check("cuMemcpyDtoD", CudaDriver.heed_cuda_copy_device(target.pointer(), source.pointer(), bytes), bytes + " bytes");
    }

    /** Waits for all work on this device, every stream's (cuCtxSynchronize). */
    public void await() {
        makeCurrent();
        check("cuCtxSynchronize", CudaDriver.heed_cuda_wait(), "");
    }

    /** Free and total device memory, bytes. */
    public long[] memory() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        check("cuMemGetInfo", CudaDriver.heed_cuda_memory(free, total), "");
        return new long[] {free[0], total[0]};
    }

    /** Runs a kernel and waits for it; {@code arguments} from {@link KernelArguments}. */
    public void launch(String kernel, int[] grid, int[] block, int sharedBytes, KernelArguments arguments, String shapes) {
        makeCurrent();
        long function = function(kernel, shapes);
        byte[] packed = arguments.bytes();
        check(kernel, CudaDriver.heed_cuda_launch(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], sharedBytes,
                packed, packed.length), shapes);
    }

    /** The kernel's handle in the loaded module, looked up once. */
    long function(String kernel, String shapes) {
        return functions.computeIfAbsent(kernel, k -> {
            long[] f = new long[1];
            check("cuModuleGetFunction(" + k + ")", CudaDriver.heed_cuda_function(module, k, f), shapes);
            return f[0];
        });
    }

    private void ensureOpen() {
        if (closed) {
            throw new CudaException("device", "the CUDA device " + name + " is closed");
        }
    }

    /** Turns a CUresult into the one exception type, naming the operation, the CUDA error and the shapes. */
    static void check(String operation, int result, String shapes) {
        if (result != 0) {
            throw new CudaException(operation, errorText(result) + " (CUresult " + result + ")" + (shapes.isEmpty() ? "" : ", shapes " + shapes),
                    result == 2);
        }
    }

    static String errorText(int code) {
        byte[] message = new byte[MESSAGE];
        CudaDriver.heed_cuda_error_text(code, message, MESSAGE);
        return text(message);
    }

    private static String text(byte[] cString) {
        int end = 0;
        while (end < cString.length && cString[end] != 0) {
            end++;
        }
        return new String(cString, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (liveBuffers.get() != 0 || liveStreams.get() != 0) {
            throw new IllegalStateException(liveBuffers.get() + " buffers and " + liveStreams.get() + " streams are still open; close them first");
        }
        CudaDriver.heed_cuda_current(context);
        closed = true;
        CudaDriver.heed_cuda_unload_module(module);
        CudaDriver.heed_cuda_close(ordinal);
    }
}
