// A CPU stand-in for the CUDA execution model, just enough to run Heed's kernels on the host. Blocks run one after
// another on the calling OS thread. Within a block each CUDA thread is a fiber with its own stack, and __syncthreads
// switches to the next fiber, so a barrier is a round of the scheduler: every live fiber runs up to its next barrier
// (or its end) before any runs past it. __shared__ arrays are per-block statics, dynamic shared memory a per-launch
// buffer cleared between blocks, and atomics are plain read-modify-writes (one OS thread runs a launch).
// It checks the kernels' indexing, reductions and branches without a GPU; it says nothing about real-GPU timing,
// memory coalescing or races between real threads. x86-64 only (the fiber switch is six pushes and a stack swap).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;
inline thread_local float* heed_emu_shared = nullptr;

using std::max;
using std::min;

inline unsigned __float_as_uint(float v) {
    unsigned u;
    std::memcpy(&u, &v, sizeof u);
    return u;
}

inline float __uint_as_float(unsigned u) {
    float v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}

// round-to-nearest double operations that the compiler must not contract into a fused multiply-add (plain C++ here:
// g++ in ISO mode does not contract, and x86-64 without -mfma has no FMA to contract into)
inline double __dmul_rn(double a, double b) {
    return a * b;
}

inline double __dadd_rn(double a, double b) {
    return a + b;
}

inline float __fmul_rn(float a, float b) {
    return a * b;
}

inline float __fadd_rn(float a, float b) {
    return a + b;
}

template <class T>
inline T atomicAdd(T* address, T value) {
    T old = *address;
    *address = old + value;
    return old;
}

// Saves the callee-saved registers on the current stack, stores the stack pointer in *save, loads `load` as the stack
// pointer and restores the registers found there: a cooperative switch between fibers (System V x86-64 ABI).
extern "C" void heed_emu_switch(void** save, void* load);
asm(R"(
    .text
    .globl heed_emu_switch
    .type heed_emu_switch, @function
heed_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size heed_emu_switch, .-heed_emu_switch
)");

namespace heed_emu {

constexpr size_t STACK_BYTES = 64 * 1024;

struct Block {
    void* scheduler = nullptr;          // the scheduler's saved stack pointer
    std::vector<void*> fibers;          // each fiber's saved stack pointer
    std::vector<unsigned char> finished;
    std::unique_ptr<char[]> stacks;     // uninitialised: a fiber's frames are written before they are read
    unsigned current = 0;
    const std::function<void()>* kernel = nullptr;
};

inline thread_local Block* running = nullptr;

inline void syncthreads() {
    if (running == nullptr) {
        std::fprintf(stderr, "heed emulator: __syncthreads in a kernel launched without barriers\n");
        std::abort();
    }
    heed_emu_switch(&running->fibers[running->current], running->scheduler);
}

[[noreturn]] inline void fiber_entry() {
    Block* b = running;
    (*b->kernel)();
    b->finished[b->current] = 1;
    heed_emu_switch(&b->fibers[b->current], b->scheduler);
    __builtin_unreachable();
}

inline dim3 index_of(unsigned linear, dim3 extent) {
    return dim3{linear % extent.x, (linear / extent.x) % extent.y, linear / (extent.x * extent.y)};
}

/** Runs every thread of the current block as a fiber, round by round, until all have finished. */
inline void run_block_as_fibers(Block& b, dim3 block, unsigned threads, char* stacks) {
    for (unsigned t = 0; t < threads; t++) {
        // a fresh stack whose first switch "returns" into fiber_entry with the ABI's entry alignment (rsp = 8 mod 16)
        void** sp = reinterpret_cast<void**>(stacks + (t + 1) * STACK_BYTES);
        *--sp = nullptr;
        *--sp = reinterpret_cast<void*>(&fiber_entry);
        for (int r = 0; r < 6; r++) *--sp = nullptr;
        b.fibers[t] = sp;
        b.finished[t] = 0;
    }
    bool alive = true;
    while (alive) {
        alive = false;
        for (unsigned t = 0; t < threads; t++) {
            if (b.finished[t]) continue;
            b.current = t;
            threadIdx = index_of(t, block);
            heed_emu_switch(&b.scheduler, b.fibers[t]);
            alive |= !b.finished[t];
        }
    }
}

/**
 * Runs a launch, blocks in turn. With barriers (the kernel calls __syncthreads) each thread of a block is a fiber;
 * without, every thread runs to completion in a plain loop, and a __syncthreads aborts.
 */
inline void emulate_launch(dim3 grid, dim3 block, size_t sharedBytes, const std::function<void()>& kernel, bool barriers) {
    gridDim = grid;
    blockDim = block;
    std::vector<float> shared(sharedBytes / sizeof(float) + 1);
    heed_emu_shared = shared.data();
    unsigned threads = block.x * block.y * block.z;
    unsigned blocks = grid.x * grid.y * grid.z;
    Block b;
    char* stacks = nullptr;
    if (barriers) {
        b.fibers.resize(threads);
        b.finished.resize(threads);
        b.stacks.reset(new char[threads * STACK_BYTES + 16]);
        b.kernel = &kernel;
        stacks = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(b.stacks.get()) + 15) & ~uintptr_t(15));
        running = &b;
    }
    for (unsigned linear = 0; linear < blocks; linear++) {
        blockIdx = index_of(linear, grid);
        std::fill(shared.begin(), shared.end(), 0.0f);
        if (barriers) {
            run_block_as_fibers(b, block, threads, stacks);
        } else {
            for (unsigned t = 0; t < threads; t++) {
                threadIdx = index_of(t, block);
                kernel();
            }
        }
    }
    running = nullptr;
}

}  // namespace heed_emu

#define __global__
#define __device__
#define __align__(n) __attribute__((aligned(n)))
#define __syncthreads() heed_emu::syncthreads()

// The warp matrix (WMMA) API for TF32, as far as Heed's kernels use it. A fragment is warp-collective on a GPU, its
// elements spread over the 32 lanes; here every thread holds the whole tile and does the whole product, so a warp
// computes the same tile 32 times over and every lane stores the same values: slow, but the same numbers. TF32
// rounding is cvt.rna.tf32.f32's: the mantissa rounded to 10 bits, to nearest, ties away from zero.
namespace nvcuda {
namespace wmma {
struct row_major {};
struct col_major {};
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
namespace precision {
struct tf32 {};
}
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int rows = std::is_same_v<Use, matrix_b> ? K : M;
    static constexpr int cols = std::is_same_v<Use, matrix_a> ? K : N;
    static constexpr int num_elements = rows * cols;
    float x[num_elements];
};

inline float __float_to_tf32(float in) {
    unsigned u = __float_as_uint(in);
    if ((u & 0x7f800000u) != 0x7f800000u) {   // finite: round the 13 dropped bits, ties away from zero
        u = (u + 0x1000u) & 0xffffe000u;
    }
    return __uint_as_float(u);
}

template <class Use, int M, int N, int K, class T, class Layout>
void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, float v) {
    for (int i = 0; i < f.num_elements; i++) f.x[i] = v;
}

template <class Use, int M, int N, int K, class T, class Layout>
void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const float* p, unsigned ldm) {
    using F = fragment<Use, M, N, K, T, Layout>;
    for (int r = 0; r < F::rows; r++)
        for (int c = 0; c < F::cols; c++)
            f.x[r * F::cols + c] = std::is_same_v<Layout, col_major> ? p[c * ldm + r] : p[r * ldm + c];
}

template <int M, int N, int K, class T>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
    for (int r = 0; r < M; r++)
        for (int c = 0; c < N; c++) (layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.x[r * N + c];
}

template <int M, int N, int K, class LA, class LB>
void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, precision::tf32, LA>& a,
              const fragment<matrix_b, M, N, K, precision::tf32, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float acc = c.x[i * N + j];
            for (int k = 0; k < K; k++) acc += a.x[i * K + k] * b.x[k * N + j];
            out[i * N + j] = acc;
        }
    for (int i = 0; i < M * N; i++) d.x[i] = out[i];
}
}  // namespace wmma
}  // namespace nvcuda

/** The emulated tests' launcher: always with barriers, which also runs barrier-free kernels correctly. */
template <class Kernel>
void emulate(dim3 grid, dim3 block, size_t sharedBytes, Kernel kernel) {
    heed_emu::emulate_launch(grid, block, sharedBytes, std::function<void()>(kernel), true);
}
