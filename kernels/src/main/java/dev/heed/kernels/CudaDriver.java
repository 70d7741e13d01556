package dev.heed.kernels;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code heed_cuda.h}, the dlopen shim over the CUDA driver API. Raw: return codes are
 * CUresults, and nothing here owns anything; {@link CudaDevice} and {@link DeviceBuffer} wrap it. The JNI library is
 * linked with {@code -Wl,--no-undefined} (see the pom), so a missing symbol fails the build, not the JVM.
 */
@Platform(value = "linux-x86_64", include = "heed_cuda.h", link = "dl")
final class CudaDriver {
    static {
        Loader.load();
    }

    private CudaDriver() {
    }

    static native int heed_cuda_open(String library, int ordinal, byte[] message, int messageLength, long[] context);

    static native int heed_cuda_capability(int ordinal, int[] capability);

    static native int heed_cuda_current(long context);

    static native int heed_cuda_load_module(byte[] image, long[] module);

    static native int heed_cuda_unload_module(long module);

    static native int heed_cuda_function(long module, String name, long[] function);

    static native int heed_cuda_alloc(long bytes, long[] pointer);

    static native int heed_cuda_free(long pointer);

    static native int heed_cuda_to_device(long pointer, Pointer host, long bytes);

    static native int heed_cuda_to_host(Pointer host, long pointer, long bytes);

    static native int heed_cuda_copy_device(long target, long source, long bytes);

    static native int heed_cuda_wait();

    static native int heed_cuda_memory(long[] freeBytes, long[] totalBytes);

    static native int heed_cuda_launch(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                       int sharedBytes, byte[] arguments, long argumentBytes);

    static native int heed_cuda_launch_async(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                             int sharedBytes, byte[] arguments, long argumentBytes, long stream);

    static native int heed_cuda_host_alloc(long bytes, long[] address);

    static native int heed_cuda_host_free(long address);

    static native int heed_cuda_stream_create(long[] stream);

    static native int heed_cuda_stream_destroy(long stream);

    static native int heed_cuda_stream_wait(long stream);

    static native int heed_cuda_to_device_async(long pointer, long host, long bytes, long stream);

    static native int heed_cuda_to_host_async(long host, long pointer, long bytes, long stream);

    static native int heed_cuda_error_text(int code, byte[] message, int messageLength);

    static native int heed_cuda_close(int ordinal);
}
