// An emulated libcuda.so.1: the driver-API entry points heed_cuda.h looks up, implemented on the CPU, with Heed's
// kernels (compiled from the same .cu sources) run by cuda_emulator.h. Loading it in place of the NVIDIA driver
// (-Dheed.cuda.driver=PATH) runs the whole Java CUDA path (CudaDevice, DeviceBuffer, KernelArguments, CudaStream,
// PinnedBuffer, CudaBackend) through the real JNI binding on a machine without a GPU.
//
// It checks what a real driver would reject, and a little more: launch shapes (block at most 1024 threads, grid y/z
// at most 65535, 48 KiB of shared memory); the packed argument buffer's size against the kernel's C signature; that
// every copy lies inside one live allocation; out-of-memory past HEED_EMULATED_DEVICE_MEMORY bytes (default 1 GiB);
// and streams are real: each one is a worker thread that runs its queue in order after a delay
// (HEED_EMULATED_STREAM_DELAY_US, default 300), so host code that reads a result before waiting for its stream
// reads stale data. Kernel emulation itself is serialised (one launch at a time), as its shared statics need.
// Not a GPU: it says nothing about timing, coalescing or real-thread races inside a kernel.
#include "cuda_emulator.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "map_ops.inc"
#include "attention.inc"
#include "select.inc"
#include "engine.inc"

namespace {

enum : int {
    SUCCESS = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    INVALID_IMAGE = 200,
    INVALID_CONTEXT = 201,
    INVALID_DEVICE = 101,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    LAUNCH_OUT_OF_RESOURCES = 701,
};

void note(const char* format, const std::string& a, long long b = 0, long long c = 0) {
    std::fprintf(stderr, "heed emulated driver: ");
    std::fprintf(stderr, format, a.c_str(), b, c);
    std::fprintf(stderr, "\n");
}

long long setting(const char* name, long long fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != 0 ? std::atoll(v) : fallback;
}

size_t align_to(size_t offset, size_t alignment) {
    return (offset + alignment - 1) / alignment * alignment;
}

// --- kernels: each registered with its C signature, so a launch can unpack its packed argument buffer ---------------

struct Kernel {
    std::string name;
    size_t argumentBytes;
    std::function<void(const unsigned char*, dim3, dim3, size_t)> run;
};

template <class... Args>
size_t packed_size() {
    size_t offset = 0;
    ((offset = align_to(offset, alignof(Args)) + sizeof(Args)), ...);
    return offset;
}

template <class... Args>
Kernel kernel(const char* name, void (*f)(Args...), bool barriers) {
    return Kernel{name, packed_size<Args...>(), [f, barriers](const unsigned char* buffer, dim3 grid, dim3 block, size_t shared) {
        std::tuple<std::decay_t<Args>...> values;
        size_t offset = 0;
        std::apply([&](auto&... v) {
            ((offset = align_to(offset, alignof(decltype(v))), std::memcpy(&v, buffer + offset, sizeof v), offset += sizeof v), ...);
        }, values);
        heed_emu::emulate_launch(grid, block, shared, [&] { std::apply(f, values); }, barriers);
    }};
}

#define HEED_KERNEL(name, barriers) {#name, kernel(#name, name, barriers)}

// barriers: the kernel calls __syncthreads (directly or through a helper); a plain kernel that does aborts loudly
std::map<std::string, Kernel> kernels = {
    HEED_KERNEL(reduce_channels, false),
    HEED_KERNEL(channel_means, true),
    HEED_KERNEL(gradcampp_weights, true),
    HEED_KERNEL(weighted_channel_sum, false),
    HEED_KERNEL(upsample_bilinear, false),
    HEED_KERNEL(min_max, true),
    HEED_KERNEL(normalize, false),
    HEED_KERNEL(colorize_blend, false),
    HEED_KERNEL(upsampled_min_max, true),
    HEED_KERNEL(overlay_fused, false),
    HEED_KERNEL(sum_blocks, false),
    HEED_KERNEL(divide_by, false),
    HEED_KERNEL(gaussian_noise, false),
    HEED_KERNEL(occlude, false),
    HEED_KERNEL(path_points, false),
    HEED_KERNEL(attention_probabilities, true),
    HEED_KERNEL(fuse_heads, false),
    HEED_KERNEL(residual_mix, true),
    HEED_KERNEL(batched_matmul, true),
    HEED_KERNEL(identity, false),
    HEED_KERNEL(select_ranks, true),
    HEED_KERNEL(discard_smallest, true),
    HEED_KERNEL(engine_gemm, true),
    HEED_KERNEL(engine_conv2d_forward, true),
    HEED_KERNEL(engine_conv2d_backward_data, true),
    HEED_KERNEL(engine_channel_affine, false),
    HEED_KERNEL(engine_channel_affine_backward, false),
    HEED_KERNEL(engine_add, false),
    HEED_KERNEL(engine_copy, false),
    HEED_KERNEL(engine_pool2d_forward, false),
    HEED_KERNEL(engine_pool2d_backward, false),
    HEED_KERNEL(engine_global_pool_forward, true),
    HEED_KERNEL(engine_global_pool_backward, false),
    HEED_KERNEL(engine_gemm_batched, true),
    HEED_KERNEL(engine_gemm_batched_tf32, true),
    HEED_KERNEL(engine_layer_norm, true),
    HEED_KERNEL(engine_layer_norm_backward, true),
    HEED_KERNEL(engine_softmax_rows, true),
    HEED_KERNEL(engine_softmax_rows_backward, true),
    HEED_KERNEL(engine_gelu, false),
    HEED_KERNEL(engine_gelu_backward, false),
    HEED_KERNEL(engine_embedding_gather, false),
    HEED_KERNEL(engine_pad2d, false),
    HEED_KERNEL(engine_crop2d, false),
    HEED_KERNEL(engine_copy_channels, false),
    HEED_KERNEL(engine_gemm_tf32, true),
    HEED_KERNEL(engine_conv2d_forward_tf32, true),
    HEED_KERNEL(engine_conv2d_backward_data_tf32, true),
    HEED_KERNEL(engine_activation_backward_input, false),
    HEED_KERNEL(engine_multiply, false),
    HEED_KERNEL(engine_multiply_reduce, true),
    HEED_KERNEL(engine_strided_copy, false),
};

std::mutex launch_mutex;

// --- memory ----------------------------------------------------------------------------------------------------------

std::mutex memory_mutex;
std::map<uintptr_t, size_t> device_allocations;
std::map<uintptr_t, size_t> host_allocations;
size_t device_bytes = 0;

size_t device_limit() {
    static size_t limit = (size_t) setting("HEED_EMULATED_DEVICE_MEMORY", 1LL << 30);
    return limit;
}

// true when [address, address + bytes) lies inside one live allocation of `allocations`
bool inside(const std::map<uintptr_t, size_t>& allocations, uintptr_t address, size_t bytes) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    auto it = allocations.upper_bound(address);
    if (it == allocations.begin()) return false;
    --it;
    return address >= it->first && address + bytes <= it->first + it->second;
}

int check_device(uintptr_t address, size_t bytes, const char* what) {
    if (inside(device_allocations, address, bytes)) return SUCCESS;
    note("%s: %lld bytes at 0x%llx are not inside one live device allocation", what, (long long) bytes, (long long) address);
    return INVALID_VALUE;
}

// --- streams ---------------------------------------------------------------------------------------------------------

struct Stream {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::function<int()>> queue;
    bool running = false;
    bool stopping = false;
    int error = SUCCESS;   // the first error a queued operation met; reported by the next synchronise
    long long delay;
    std::thread worker;

    explicit Stream(long long delayMicros) : delay(delayMicros), worker([this] { work(); }) {}

    void work() {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            changed.wait(lock, [this] { return stopping || !queue.empty(); });
            if (queue.empty()) return;
            auto op = std::move(queue.front());
            queue.pop_front();
            running = true;
            lock.unlock();
            if (delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay));
            int r = op();
            lock.lock();
            if (error == SUCCESS) error = r;
            running = false;
            changed.notify_all();
        }
    }

    void enqueue(std::function<int()> op) {
        std::lock_guard<std::mutex> lock(mutex);
        queue.push_back(std::move(op));
        changed.notify_all();
    }

    int synchronise() {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [this] { return queue.empty() && !running; });
        int r = error;
        error = SUCCESS;
        return r;
    }

    ~Stream() {
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopping = true;
            changed.notify_all();
        }
        worker.join();
    }
};

std::mutex streams_mutex;
std::map<void*, Stream*> streams;

Stream* stream_of(void* handle) {
    std::lock_guard<std::mutex> lock(streams_mutex);
    auto it = streams.find(handle);
    return it == streams.end() ? nullptr : it->second;
}

// the legacy default stream (handle 0) runs at once, after every other stream has drained
int synchronise_all() {
    std::lock_guard<std::mutex> lock(streams_mutex);
    int r = SUCCESS;
    for (auto& [handle, s] : streams) {
        int e = s->synchronise();
        if (r == SUCCESS) r = e;
    }
    return r;
}

// kernels never run on the caller's (a JVM's) thread: the default stream has a worker too, without the delay
Stream& default_stream() {
    static Stream* s = new Stream(0);
    return *s;
}

int submit(void* handle, std::function<int()> op) {
    if (handle == nullptr) {
        synchronise_all();
        default_stream().enqueue(std::move(op));
        return default_stream().synchronise();
    }
    Stream* s = stream_of(handle);
    if (s == nullptr) return INVALID_HANDLE;
    s->enqueue(std::move(op));
    return SUCCESS;
}

int context_token = 0;
int context_retains = 0;
bool initialised = false;

}  // namespace

extern "C" {

int cuInit(unsigned int) {
    initialised = true;
    return SUCCESS;
}

// HEED_EMULATED_DEVICES=N (1 to 16, default 1) presents N devices, all the same CPU, so that device selection
// (--backend cuda:N, a Spark task's assigned GPU) is testable; each reports its ordinal in its name.
static int emulated_devices() {
    const char* text = std::getenv("HEED_EMULATED_DEVICES");
    int n = text == nullptr ? 1 : std::atoi(text);
    return n < 1 ? 1 : n > 16 ? 16 : n;
}

int cuDeviceGetCount(int* count) {
    *count = emulated_devices();
    return SUCCESS;
}

int cuDeviceGet(int* device, int ordinal) {
    if (ordinal < 0 || ordinal >= emulated_devices()) return INVALID_DEVICE;
    *device = ordinal;
    return SUCCESS;
}

int cuDeviceGetName(char* name, int length, int device) {
    if (device == 0) {
        std::snprintf(name, (size_t) length, "Heed emulated driver (CPU, not a GPU)");
    } else {
        std::snprintf(name, (size_t) length, "Heed emulated driver (CPU, not a GPU), device %d", device);
    }
    return SUCCESS;
}

int cuDeviceGetAttribute(int* value, int attribute, int) {
    *value = attribute == 75 ? 9 : attribute == 76 ? 0 : 0;   // compute capability 9.0, so the fatbin path is taken
    return SUCCESS;
}

int cuDevicePrimaryCtxRetain(void** context, int) {
    context_retains++;
    *context = &context_token;
    return SUCCESS;
}

int cuDevicePrimaryCtxRelease_v2(int) {
    if (context_retains == 0) return INVALID_CONTEXT;
    context_retains--;
    return SUCCESS;
}

int cuCtxSetCurrent(void* context) {
    return context == nullptr || context == &context_token ? SUCCESS : INVALID_CONTEXT;
}

int cuCtxSynchronize(void) {
    return synchronise_all();
}

// accepts what the real driver would be handed: a fatbin (magic 0xBA55ED50) or PTX text; the kernels are built in
int cuModuleLoadData(void** module, const void* image) {
    unsigned magic = 0;
    std::memcpy(&magic, image, sizeof magic);
    bool ptx = std::strstr(static_cast<const char*>(image), ".version") != nullptr;
    if (magic != 0xBA55ED50u && !ptx) return INVALID_IMAGE;
    *module = &kernels;
    return SUCCESS;
}

int cuModuleUnload(void* module) {
    return module == &kernels ? SUCCESS : INVALID_HANDLE;
}

int cuModuleGetFunction(void** function, void* module, const char* name) {
    if (module != &kernels) return INVALID_HANDLE;
    auto it = kernels.find(name);
    if (it == kernels.end()) return NOT_FOUND;
    *function = &it->second;
    return SUCCESS;
}

int cuMemAlloc_v2(unsigned long long* pointer, size_t bytes) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    if (bytes == 0) return INVALID_VALUE;
    if (device_bytes + bytes > device_limit()) return OUT_OF_MEMORY;
    void* p = std::aligned_alloc(256, align_to(bytes, 256));
    if (p == nullptr) return OUT_OF_MEMORY;
    device_allocations[(uintptr_t) p] = bytes;
    device_bytes += bytes;
    *pointer = (unsigned long long) p;
    return SUCCESS;
}

int cuMemFree_v2(unsigned long long pointer) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    auto it = device_allocations.find((uintptr_t) pointer);
    if (it == device_allocations.end()) return INVALID_VALUE;
    device_bytes -= it->second;
    device_allocations.erase(it);
    std::free((void*) pointer);
    return SUCCESS;
}

int cuMemHostAlloc(void** pointer, size_t bytes, unsigned int) {
    if (bytes == 0) return INVALID_VALUE;
    void* p = std::aligned_alloc(4096, align_to(bytes, 4096));
    if (p == nullptr) return OUT_OF_MEMORY;
    std::lock_guard<std::mutex> lock(memory_mutex);
    host_allocations[(uintptr_t) p] = bytes;
    *pointer = p;
    return SUCCESS;
}

int cuMemFreeHost(void* pointer) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    auto it = host_allocations.find((uintptr_t) pointer);
    if (it == host_allocations.end()) return INVALID_VALUE;
    host_allocations.erase(it);
    std::free(pointer);
    return SUCCESS;
}

int cuMemGetInfo_v2(size_t* free, size_t* total) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    *free = device_limit() - device_bytes;
    *total = device_limit();
    return SUCCESS;
}

int cuMemcpyHtoD_v2(unsigned long long target, const void* source, size_t bytes) {
    int r = check_device(target, bytes, "cuMemcpyHtoD");
    if (r != SUCCESS) return r;
    return submit(nullptr, [=] { std::memcpy((void*) target, source, bytes); return (int) SUCCESS; });
}

int cuMemcpyDtoH_v2(void* target, unsigned long long source, size_t bytes) {
    int r = check_device(source, bytes, "cuMemcpyDtoH");
    if (r != SUCCESS) return r;
    return submit(nullptr, [=] { std::memcpy(target, (const void*) source, bytes); return (int) SUCCESS; });
}

int cuMemcpyDtoD_v2(unsigned long long target, unsigned long long source, size_t bytes) {
    int r = check_device(target, bytes, "cuMemcpyDtoD");
    if (r == SUCCESS) r = check_device(source, bytes, "cuMemcpyDtoD");
    if (r != SUCCESS) return r;
    return submit(nullptr, [=] { std::memmove((void*) target, (const void*) source, bytes); return (int) SUCCESS; });
}

// asynchronous copies read and write the host memory when the stream gets to them, as a GPU's copy engine does
int cuMemcpyHtoDAsync_v2(unsigned long long target, const void* source, size_t bytes, void* stream) {
    int r = check_device(target, bytes, "cuMemcpyHtoDAsync");
    if (r != SUCCESS) return r;
    if (stream != nullptr && !inside(host_allocations, (uintptr_t) source, bytes)) {
        note("cuMemcpyHtoDAsync from %s host memory: a real driver copies it synchronously, without overlap", "pageable");
    }
    return submit(stream, [=] { std::memcpy((void*) target, source, bytes); return (int) SUCCESS; });
}

int cuMemcpyDtoHAsync_v2(void* target, unsigned long long source, size_t bytes, void* stream) {
    int r = check_device(source, bytes, "cuMemcpyDtoHAsync");
    if (r != SUCCESS) return r;
    if (stream != nullptr && !inside(host_allocations, (uintptr_t) target, bytes)) {
        note("cuMemcpyDtoHAsync into %s host memory: a real driver copies it synchronously, without overlap", "pageable");
    }
    return submit(stream, [=] { std::memcpy(target, (const void*) source, bytes); return (int) SUCCESS; });
}

int cuStreamCreate(void** stream, unsigned int) {
    Stream* s = new Stream(setting("HEED_EMULATED_STREAM_DELAY_US", 300));
    std::lock_guard<std::mutex> lock(streams_mutex);
    streams[s] = s;
    *stream = s;
    return SUCCESS;
}

int cuStreamDestroy_v2(void* stream) {
    Stream* s = nullptr;
    {
        std::lock_guard<std::mutex> lock(streams_mutex);
        auto it = streams.find(stream);
        if (it == streams.end()) return INVALID_HANDLE;
        s = it->second;
        streams.erase(it);
    }
    s->synchronise();
    delete s;
    return SUCCESS;
}

int cuStreamSynchronize(void* stream) {
    if (stream == nullptr) return synchronise_all();
    Stream* s = stream_of(stream);
    return s == nullptr ? INVALID_HANDLE : s->synchronise();
}

int cuLaunchKernel(void* function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX, unsigned blockY,
                   unsigned blockZ, unsigned sharedBytes, void* stream, void** params, void** extra) {
    Kernel* k = static_cast<Kernel*>(function);
    if (params != nullptr || extra == nullptr || extra[0] != (void*) 1 || extra[2] != (void*) 2 || extra[4] != nullptr) {
        note("%s: arguments must come as CU_LAUNCH_PARAM_BUFFER_POINTER, BUFFER_SIZE, END", k->name);
        return INVALID_VALUE;
    }
    size_t size = *static_cast<size_t*>(extra[3]);
    if (size != k->argumentBytes) {
        note("%s: packed arguments are %lld bytes, its C signature takes %lld", k->name, (long long) size, (long long) k->argumentBytes);
        return INVALID_VALUE;
    }
    if (gridX == 0 || gridY == 0 || gridZ == 0 || gridY > 65535 || gridZ > 65535 || gridX > 2147483647u || blockX == 0
        || blockY == 0 || blockZ == 0 || blockX > 1024 || blockY > 1024 || blockZ > 64 || (size_t) blockX * blockY * blockZ > 1024) {
        note("%s: grid or block out of range (block of %lld threads, grid y/z %lld)", k->name, (long long) blockX * blockY * blockZ,
             (long long) std::max(gridY, gridZ));
        return INVALID_VALUE;
    }
    if (sharedBytes > 48 * 1024) return LAUNCH_OUT_OF_RESOURCES;
    std::vector<unsigned char> arguments(static_cast<unsigned char*>(extra[1]), static_cast<unsigned char*>(extra[1]) + size);
    dim3 grid{gridX, gridY, gridZ};
    dim3 block{blockX, blockY, blockZ};
    return submit(stream, [k, arguments = std::move(arguments), grid, block, sharedBytes] {
        std::lock_guard<std::mutex> lock(launch_mutex);
        k->run(arguments.data(), grid, block, sharedBytes);
        return (int) SUCCESS;
    });
}

int cuGetErrorString(int code, const char** text) {
    switch (code) {
        case SUCCESS: *text = "no error"; return SUCCESS;
        case INVALID_VALUE: *text = "invalid argument"; return SUCCESS;
        case OUT_OF_MEMORY: *text = "out of memory"; return SUCCESS;
        case INVALID_DEVICE: *text = "invalid device ordinal"; return SUCCESS;
        case INVALID_IMAGE: *text = "device kernel image is invalid"; return SUCCESS;
        case INVALID_CONTEXT: *text = "invalid device context"; return SUCCESS;
        case INVALID_HANDLE: *text = "invalid resource handle"; return SUCCESS;
        case NOT_FOUND: *text = "named symbol not found"; return SUCCESS;
        case LAUNCH_OUT_OF_RESOURCES: *text = "too many resources requested for launch"; return SUCCESS;
        default: *text = nullptr; return INVALID_VALUE;
    }
}

}  // extern "C"
