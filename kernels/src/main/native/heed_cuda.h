// Heed's CUDA driver shim: the few driver-API calls the kernels need, reached through dlopen("libcuda.so.1") with
// our own typedefs, so the library builds with g++ alone (no cuda.h, no cudart) and loads on machines without a GPU,
// where heed_cuda_open reports why there is no device instead of failing to link. Every function returns a CUresult
// (0 = success); HEED_NO_DRIVER (-1) means libcuda.so.1 or one of its symbols is missing.
#ifndef HEED_CUDA_H
#define HEED_CUDA_H

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define HEED_NO_DRIVER (-1)

typedef int heed_result;
typedef int heed_device;
typedef void* heed_context;
typedef void* heed_module;
typedef void* heed_function;
typedef unsigned long long heed_pointer;

typedef heed_result (*heed_cuInit_t)(unsigned int);
typedef heed_result (*heed_cuDeviceGetCount_t)(int*);
typedef heed_result (*heed_cuDeviceGet_t)(heed_device*, int);
typedef heed_result (*heed_cuDeviceGetName_t)(char*, int, heed_device);
typedef heed_result (*heed_cuDeviceGetAttribute_t)(int*, int, heed_device);
typedef heed_result (*heed_cuDevicePrimaryCtxRetain_t)(heed_context*, heed_device);
typedef heed_result (*heed_cuDevicePrimaryCtxRelease_t)(heed_device);
typedef heed_result (*heed_cuCtxSetCurrent_t)(heed_context);
typedef heed_result (*heed_cuCtxSynchronize_t)(void);
typedef heed_result (*heed_cuModuleLoadData_t)(heed_module*, const void*);
typedef heed_result (*heed_cuModuleUnload_t)(heed_module);
typedef heed_result (*heed_cuModuleGetFunction_t)(heed_function*, heed_module, const char*);
typedef heed_result (*heed_cuMemAlloc_t)(heed_pointer*, size_t);
typedef heed_result (*heed_cuMemFree_t)(heed_pointer);
typedef heed_result (*heed_cuMemcpyHtoD_t)(heed_pointer, const void*, size_t);
typedef heed_result (*heed_cuMemcpyDtoH_t)(void*, heed_pointer, size_t);
typedef heed_result (*heed_cuMemcpyDtoD_t)(heed_pointer, heed_pointer, size_t);
typedef heed_result (*heed_cuMemGetInfo_t)(size_t*, size_t*);
typedef heed_result (*heed_cuLaunchKernel_t)(heed_function, unsigned int, unsigned int, unsigned int, unsigned int,
                                             unsigned int, unsigned int, unsigned int, void*, void**, void**);
typedef heed_result (*heed_cuGetErrorString_t)(heed_result, const char**);
typedef void* heed_stream;
typedef heed_result (*heed_cuMemHostAlloc_t)(void**, size_t, unsigned int);
typedef heed_result (*heed_cuMemFreeHost_t)(void*);
typedef heed_result (*heed_cuStreamCreate_t)(heed_stream*, unsigned int);
typedef heed_result (*heed_cuStreamDestroy_t)(heed_stream);
typedef heed_result (*heed_cuStreamSynchronize_t)(heed_stream);
typedef heed_result (*heed_cuMemcpyHtoDAsync_t)(heed_pointer, const void*, size_t, heed_stream);
typedef heed_result (*heed_cuMemcpyDtoHAsync_t)(void*, heed_pointer, size_t, heed_stream);

static struct {
    void* library;
    heed_cuInit_t init;
    heed_cuDeviceGetCount_t deviceGetCount;
    heed_cuDeviceGet_t deviceGet;
    heed_cuDeviceGetName_t deviceGetName;
    heed_cuDeviceGetAttribute_t deviceGetAttribute;
    heed_cuDevicePrimaryCtxRetain_t primaryCtxRetain;
    heed_cuDevicePrimaryCtxRelease_t primaryCtxRelease;
    heed_cuCtxSetCurrent_t ctxSetCurrent;
    heed_cuCtxSynchronize_t ctxSynchronize;
    heed_cuModuleLoadData_t moduleLoadData;
    heed_cuModuleUnload_t moduleUnload;
    heed_cuModuleGetFunction_t moduleGetFunction;
    heed_cuMemAlloc_t memAlloc;
    heed_cuMemFree_t memFree;
    heed_cuMemcpyHtoD_t memcpyHtoD;
    heed_cuMemcpyDtoH_t memcpyDtoH;
    heed_cuMemcpyDtoD_t memcpyDtoD;
    heed_cuMemGetInfo_t memGetInfo;
    heed_cuLaunchKernel_t launchKernel;
    heed_cuGetErrorString_t getErrorString;
    heed_cuMemHostAlloc_t memHostAlloc;
    heed_cuMemFreeHost_t memFreeHost;
    heed_cuStreamCreate_t streamCreate;
    heed_cuStreamDestroy_t streamDestroy;
    heed_cuStreamSynchronize_t streamSynchronize;
    heed_cuMemcpyHtoDAsync_t memcpyHtoDAsync;
    heed_cuMemcpyDtoHAsync_t memcpyDtoHAsync;
} heed_driver;

static void heed_message(char* message, int length, const char* text) {
    if (message != NULL && length > 0) {
        snprintf(message, (size_t) length, "%s", text);
    }
}

#define HEED_SYMBOL(field, name) \
    do { \
        *(void**) (&heed_driver.field) = dlsym(heed_driver.library, name); \
        if (heed_driver.field == NULL) { \
            heed_message(message, messageLength, "libcuda.so.1 has no symbol " name " (driver too old?)"); \
            return HEED_NO_DRIVER; \
        } \
    } while (0)

/**
 * Loads the driver ({@code library}: "libcuda.so.1", or a path such as Heed's emulated driver; the first library
 * loaded stays for the life of the process), initialises it and makes the primary context of device {@code ordinal}
 * current.
 */
static heed_result heed_cuda_open(const char* library, int ordinal, signed char* bytes, int messageLength, long long* contextOut) {
    char* message = (char*) bytes; /* JavaCPP passes byte[] as signed char* */
    if (heed_driver.library == NULL) {
        heed_driver.library = dlopen(library, RTLD_NOW | RTLD_LOCAL);
        if (heed_driver.library == NULL) {
            const char* why = dlerror();
            char text[512];
            snprintf(text, sizeof text, "%s cannot be loaded (%s)", library, why != NULL ? why : "no NVIDIA driver");
            heed_message(message, messageLength, text);
            return HEED_NO_DRIVER;
        }
    }
    HEED_SYMBOL(init, "cuInit");
    HEED_SYMBOL(deviceGetCount, "cuDeviceGetCount");
    HEED_SYMBOL(deviceGet, "cuDeviceGet");
    HEED_SYMBOL(deviceGetName, "cuDeviceGetName");
    HEED_SYMBOL(deviceGetAttribute, "cuDeviceGetAttribute");
    HEED_SYMBOL(primaryCtxRetain, "cuDevicePrimaryCtxRetain");
    HEED_SYMBOL(primaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
    HEED_SYMBOL(ctxSetCurrent, "cuCtxSetCurrent");
    HEED_SYMBOL(ctxSynchronize, "cuCtxSynchronize");
    HEED_SYMBOL(moduleLoadData, "cuModuleLoadData");
    HEED_SYMBOL(moduleUnload, "cuModuleUnload");
    HEED_SYMBOL(moduleGetFunction, "cuModuleGetFunction");
    HEED_SYMBOL(memAlloc, "cuMemAlloc_v2");
    HEED_SYMBOL(memFree, "cuMemFree_v2");
    HEED_SYMBOL(memcpyHtoD, "cuMemcpyHtoD_v2");
    HEED_SYMBOL(memcpyDtoH, "cuMemcpyDtoH_v2");
    HEED_SYMBOL(memcpyDtoD, "cuMemcpyDtoD_v2");
    HEED_SYMBOL(memGetInfo, "cuMemGetInfo_v2");
    HEED_SYMBOL(launchKernel, "cuLaunchKernel");
    HEED_SYMBOL(getErrorString, "cuGetErrorString");
    HEED_SYMBOL(memHostAlloc, "cuMemHostAlloc");
    HEED_SYMBOL(memFreeHost, "cuMemFreeHost");
    HEED_SYMBOL(streamCreate, "cuStreamCreate");
    HEED_SYMBOL(streamDestroy, "cuStreamDestroy_v2");
    HEED_SYMBOL(streamSynchronize, "cuStreamSynchronize");
    HEED_SYMBOL(memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
    HEED_SYMBOL(memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
    heed_result r = heed_driver.init(0);
    if (r != 0) {
        heed_message(message, messageLength, "cuInit failed");
        return r;
    }
    int count = 0;
    r = heed_driver.deviceGetCount(&count);
    if (r == 0 && ordinal >= count) {
        char text[128];
        snprintf(text, sizeof text, "device %d asked for, %d present", ordinal, count);
        heed_message(message, messageLength, text);
        return 101; /* CUDA_ERROR_INVALID_DEVICE */
    }
    heed_device device = 0;
    heed_context context = NULL;
    if (r == 0) r = heed_driver.deviceGet(&device, ordinal);
    if (r == 0) r = heed_driver.primaryCtxRetain(&context, device);
    if (r != 0) return r;
    r = heed_driver.ctxSetCurrent(context);
    if (r == 0) r = heed_driver.deviceGetName(message, messageLength, device);
    if (r != 0) {
        heed_driver.primaryCtxRelease(device); /* no retain outlives a failed open */
        return r;
    }
    *contextOut = (long long) context;
    return 0;
}

/** Compute capability of device {@code ordinal} as major * 10 + minor. */
static heed_result heed_cuda_capability(int ordinal, int* capability) {
    int major = 0;
    int minor = 0;
    heed_device device = 0;
    heed_result r = heed_driver.deviceGet(&device, ordinal);
    if (r == 0) r = heed_driver.deviceGetAttribute(&major, 75, device);
    if (r == 0) r = heed_driver.deviceGetAttribute(&minor, 76, device);
    *capability = major * 10 + minor;
    return r;
}

static heed_result heed_cuda_current(long long context) {
    return heed_driver.ctxSetCurrent((heed_context) context);
}

static heed_result heed_cuda_load_module(signed char* image, long long* module) {
    heed_module m = NULL;
    heed_result r = heed_driver.moduleLoadData(&m, image);
    *module = (long long) m;
    return r;
}

static heed_result heed_cuda_unload_module(long long module) {
    return heed_driver.moduleUnload((heed_module) module);
}

static heed_result heed_cuda_function(long long module, const char* name, long long* function) {
    heed_function f = NULL;
    heed_result r = heed_driver.moduleGetFunction(&f, (heed_module) module, name);
    *function = (long long) f;
    return r;
}

static heed_result heed_cuda_alloc(long long bytes, long long* pointer) {
    heed_pointer p = 0;
    heed_result r = heed_driver.memAlloc(&p, (size_t) bytes);
    *pointer = (long long) p;
    return r;
}

static heed_result heed_cuda_free(long long pointer) {
    return heed_driver.memFree((heed_pointer) pointer);
}

/** Host memory (a JavaCPP Pointer: an off-heap staging chunk) to the device. */
static heed_result heed_cuda_to_device(long long pointer, void* host, long long bytes) {
    return heed_driver.memcpyHtoD((heed_pointer) pointer, host, (size_t) bytes);
}

static heed_result heed_cuda_to_host(void* host, long long pointer, long long bytes) {
    return heed_driver.memcpyDtoH(host, (heed_pointer) pointer, (size_t) bytes);
}

/** Device-to-device copy, then a wait: the bandwidth reference for the overlay kernels. */
static heed_result heed_cuda_copy_device(long long target, long long source, long long bytes) {
    heed_result r = heed_driver.memcpyDtoD((heed_pointer) target, (heed_pointer) source, (size_t) bytes);
    if (r == 0) r = heed_driver.ctxSynchronize();
    return r;
}

/** Waits for all work on the device, every stream's. */
static heed_result heed_cuda_wait(void) {
    return heed_driver.ctxSynchronize();
}

static heed_result heed_cuda_memory(long long* freeBytes, long long* totalBytes) {
    size_t f = 0;
    size_t t = 0;
    heed_result r = heed_driver.memGetInfo(&f, &t);
    *freeBytes = (long long) f;
    *totalBytes = (long long) t;
    return r;
}

/**
 * Queues a kernel on {@code stream} (0: the legacy default stream) without waiting. Its arguments are packed, each at
 * its natural alignment, into {@code arguments} (the driver's CU_LAUNCH_PARAM_BUFFER_POINTER form); the driver copies
 * them before returning, so the caller may reuse the array at once.
 */
static heed_result heed_cuda_launch_async(long long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                          int sharedBytes, signed char* arguments, long long argumentBytes, long long stream) {
    size_t size = (size_t) argumentBytes;
    void* extra[] = {(void*) 1, arguments, (void*) 2, &size, (void*) 0}; /* BUFFER_POINTER, BUFFER_SIZE, END */
    return heed_driver.launchKernel((heed_function) function, (unsigned) gridX, (unsigned) gridY, (unsigned) gridZ,
                                    (unsigned) blockX, (unsigned) blockY, (unsigned) blockZ, (unsigned) sharedBytes,
                                    (heed_stream) stream, NULL, extra);
}

/** Launches a kernel on the default stream and waits for it. */
static heed_result heed_cuda_launch(long long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                    int sharedBytes, signed char* arguments, long long argumentBytes) {
    heed_result r = heed_cuda_launch_async(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, arguments,
                                           argumentBytes, 0);
    if (r == 0) r = heed_driver.ctxSynchronize();
    return r;
}

/** Page-locked host memory: the only kind an asynchronous copy overlaps with kernels. */
static heed_result heed_cuda_host_alloc(long long bytes, long long* address) {
    void* p = NULL;
    heed_result r = heed_driver.memHostAlloc(&p, (size_t) bytes, 0);
    *address = (long long) p;
    return r;
}

static heed_result heed_cuda_host_free(long long address) {
    return heed_driver.memFreeHost((void*) address);
}

/** A stream that does not wait for the legacy default stream (CU_STREAM_NON_BLOCKING). */
static heed_result heed_cuda_stream_create(long long* stream) {
    heed_stream s = NULL;
    heed_result r = heed_driver.streamCreate(&s, 1);
    *stream = (long long) s;
    return r;
}

static heed_result heed_cuda_stream_destroy(long long stream) {
    return heed_driver.streamDestroy((heed_stream) stream);
}

/** Waits until everything queued on {@code stream} has run; returns the first error any of it met. */
static heed_result heed_cuda_stream_wait(long long stream) {
    return heed_driver.streamSynchronize((heed_stream) stream);
}

/** Queues a copy from page-locked host memory at {@code host} to the device. */
static heed_result heed_cuda_to_device_async(long long pointer, long long host, long long bytes, long long stream) {
    return heed_driver.memcpyHtoDAsync((heed_pointer) pointer, (const void*) host, (size_t) bytes, (heed_stream) stream);
}

/** Queues a copy from the device to page-locked host memory at {@code host}. */
static heed_result heed_cuda_to_host_async(long long host, long long pointer, long long bytes, long long stream) {
    return heed_driver.memcpyDtoHAsync((void*) host, (heed_pointer) pointer, (size_t) bytes, (heed_stream) stream);
}

static heed_result heed_cuda_error_text(int code, signed char* bytes, int messageLength) {
    char* message = (char*) bytes;
    if (code == HEED_NO_DRIVER || heed_driver.getErrorString == NULL) {
        heed_message(message, messageLength, code == HEED_NO_DRIVER ? "no CUDA driver" : "unknown CUDA error");
        return 0;
    }
    const char* text = NULL;
    heed_result r = heed_driver.getErrorString(code, &text);
    heed_message(message, messageLength, r == 0 && text != NULL ? text : "unknown CUDA error");
    return 0;
}

/** Releases the primary-context retain one successful heed_cuda_open of device {@code ordinal} took. */
static heed_result heed_cuda_close(int ordinal) {
    heed_device device = 0;
    if (heed_driver.primaryCtxRelease == NULL) return 0;
    heed_result r = heed_driver.deviceGet(&device, ordinal);
    return r == 0 ? heed_driver.primaryCtxRelease(device) : r;
}

#endif
