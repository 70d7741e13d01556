// Order statistics on the GPU by radix selection: four passes of an 8-bit histogram over an order-preserving
// integer key of each float, each pass fixing one byte of the k-th smallest key. Exact (no sampling, no binning
// error), so a percentile read from these matches the CPU's sort to the bit. One block per selection.

extern "C" {

// IEEE floats as unsigned keys in the order Java's Arrays.sort gives: -0.0 before +0.0, every NaN last
__device__ unsigned order_key(float v) {
    if (v != v) return 0xFFFFFFFFu;
    unsigned bits = __float_as_uint(v);
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

__device__ float key_value(unsigned key) {
    return __uint_as_float((key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key);
}

// Element i of a selection: every value, or with skipDiagonal only those off the diagonal of a tokens x tokens matrix.
__device__ bool selected(long long i, int skipDiagonal, int tokens) {
    return !skipDiagonal || (i / tokens != i % tokens);
}

// The key of the rank-th smallest selected value (0-based) of values[0, count), and in *equalBefore how many values
// equal to it rank below it (so rank - *equalBefore values are strictly smaller). Needs 256 + 2 unsigned of shared
// memory (passed in) and every thread of the block.
__device__ unsigned select_key(const float* values, long long count, long long rank, int skipDiagonal, int tokens,
                               unsigned* histogram, long long* equalBefore) {
    unsigned prefix = 0;
    unsigned mask = 0;
    long long remaining = rank;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = threadIdx.x; b < 256; b += blockDim.x) histogram[b] = 0;
        __syncthreads();
        for (long long i = threadIdx.x; i < count; i += blockDim.x) {
            if (!selected(i, skipDiagonal, tokens)) continue;
            unsigned key = order_key(values[i]);
            if ((key & mask) == prefix) atomicAdd(&histogram[(key >> shift) & 0xFFu], 1u);
        }
        __syncthreads();
        // every thread walks the 256 counts itself (the same answer everywhere, no broadcast needed)
        long long below = 0;
        unsigned bucket = 0;
        for (; bucket < 255; bucket++) {
            if (below + histogram[bucket] > remaining) break;
            below += histogram[bucket];
        }
        remaining -= below;
        prefix |= bucket << shift;
        mask |= 0xFFu << shift;
        __syncthreads();
    }
    *equalBefore = remaining;
    return prefix;
}

// out[m * ranksPerMap + r] = the ranks[r]-th smallest value of map m (0-based); grid (n, ranksPerMap), 256 threads.
__global__ void select_ranks(const float* maps, const int* ranks, float* out, int pixels, int ranksPerMap) {
    __shared__ unsigned histogram[256];
    int map = blockIdx.x;
    int r = blockIdx.y;
    long long equalBefore = 0;
    unsigned key = select_key(maps + (long long) map * pixels, pixels, ranks[r], 0, 1, histogram,
                              &equalBefore);
    if (threadIdx.x == 0) out[(long long) map * ranksPerMap + r] = key_value(key);
}

// Zeroes the `discard` smallest off-diagonal entries of each tokens x tokens matrix in place, ties going to the lower
// index first (the CPU reference's stable order). One block of 256 threads per matrix.
__global__ void discard_smallest(float* matrices, int tokens, long long discard) {
    __shared__ unsigned histogram[256];
    __shared__ unsigned flags[256];
    long long square = (long long) tokens * tokens;
    float* m = matrices + (long long) blockIdx.x * square;
    long long equalBefore = 0;
    unsigned threshold = select_key(m, square, discard - 1, 1, tokens, histogram, &equalBefore);
    long long equalToZero = equalBefore + 1;   // ties at the threshold that are among the discarded
    long long equalSeen = 0;                   // ties met so far in index order, the same in every thread
    for (long long start = 0; start < square; start += blockDim.x) {
        long long i = start + threadIdx.x;
        unsigned key = i < square ? order_key(m[i]) : 0u;
        bool offDiagonal = i < square && selected(i, 1, tokens);
        unsigned tie = (offDiagonal && key == threshold) ? 1u : 0u;
        // inclusive scan of the tie flags over this chunk (Hillis-Steele), so each tie knows its rank among ties
        flags[threadIdx.x] = tie;
        __syncthreads();
        for (int s = 1; s < (int) blockDim.x; s <<= 1) {
            unsigned add = threadIdx.x >= (unsigned) s ? flags[threadIdx.x - s] : 0u;
            __syncthreads();
            flags[threadIdx.x] += add;
            __syncthreads();
        }
        if (offDiagonal && (key < threshold || (tie && equalSeen + flags[threadIdx.x] <= equalToZero))) m[i] = 0.0f;
        equalSeen += flags[blockDim.x - 1];
        __syncthreads();
    }
}

}
