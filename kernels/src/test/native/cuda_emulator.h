// A CPU stand-in for the CUDA execution model, just enough to run Heed's kernels on the host: blocks run one after
// another, the threads of a block run as real threads (reused from block to block), __syncthreads is a barrier, __shared__ arrays are per-block
// statics and dynamic shared memory is a per-launch buffer. It checks the kernels' indexing, reductions and
// branches without a GPU; it says nothing about real-GPU timing, memory coalescing or the driver.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;
inline std::barrier<>* heed_emu_barrier = nullptr;
inline float* heed_emu_shared = nullptr;

using std::max;
using std::min;

#define __global__
#define __device__
#define __syncthreads() heed_emu_barrier->arrive_and_wait()

template <class Kernel>
void emulate(dim3 grid, dim3 block, size_t sharedBytes, Kernel kernel) {
    gridDim = grid;
    blockDim = block;
    std::vector<float> shared(sharedBytes / sizeof(float) + 1);
    heed_emu_shared = shared.data();
    unsigned threads = block.x * block.y * block.z;
    unsigned blocks = grid.x * grid.y * grid.z;
    std::barrier<> barrier(threads);
    heed_emu_barrier = &barrier;
    // one thread per block thread for the whole launch, walking the blocks in step; between blocks every thread
    // waits, thread 0 clears the shared memory, and every thread waits again
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            threadIdx = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            for (unsigned b = 0; b < blocks; b++) {
                blockIdx = {b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
                kernel();
                barrier.arrive_and_wait();
                if (t == 0) std::fill(shared.begin(), shared.end(), 0.0f);
                barrier.arrive_and_wait();
            }
        });
    }
    for (auto& w : workers) w.join();
}
