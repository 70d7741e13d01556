// Attention read-outs on the GPU. q, k: [n][heads][tokens][headDim]; attention [n][heads][tokens][tokens];
// fused and rolled-out matrices [n][tokens][tokens]; row-major float32.

extern "C" {

// one block per (image, head, query row): scores for every key, then a masked softmax over them.
// keyMask may be null; a key whose mask is 0 gets probability 0, a row with every key masked stays 0.
__global__ void attention_probabilities(const float* q, const float* k, const float* keyMask, float* out, int heads,
                                        int tokens, int headDim, float scale) {
    extern __shared__ float shared[];
    float* scores = shared;                 // tokens
    float* reduce = shared + tokens;        // blockDim.x
    int row = blockIdx.x;                   // (image * heads + head) * tokens + query
    int query = row % tokens;
    int imageHead = row / tokens;
    int image = imageHead / heads;
    const float* qRow = q + ((long long) imageHead * tokens + query) * headDim;
    const float* kBase = k + (long long) imageHead * tokens * headDim;
    for (int key = threadIdx.x; key < tokens; key += blockDim.x) {
        bool masked = keyMask != nullptr && keyMask[(long long) image * tokens + key] == 0.0f;
        float dot = 0.0f;
        if (!masked) {
            const float* kRow = kBase + (long long) key * headDim;
            for (int d = 0; d < headDim; d++) dot += qRow[d] * kRow[d];
        }
        scores[key] = masked ? -INFINITY : dot * scale;
    }
    __syncthreads();
    float best = -INFINITY;
    for (int key = threadIdx.x; key < tokens; key += blockDim.x) best = fmaxf(best, scores[key]);
    reduce[threadIdx.x] = best;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) reduce[threadIdx.x] = fmaxf(reduce[threadIdx.x], reduce[threadIdx.x + s]);
        __syncthreads();
    }
    float max = reduce[0];
    __syncthreads();
    float* outRow = out + (long long) row * tokens;
    if (max == -INFINITY) {
        for (int key = threadIdx.x; key < tokens; key += blockDim.x) outRow[key] = 0.0f;
        return;
    }
    float sum = 0.0f;
    for (int key = threadIdx.x; key < tokens; key += blockDim.x) {
        float e = expf(scores[key] - max);
        scores[key] = e;
        sum += e;
    }
    reduce[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) reduce[threadIdx.x] += reduce[threadIdx.x + s];
        __syncthreads();
    }
    float total = reduce[0];
    for (int key = threadIdx.x; key < tokens; key += blockDim.x) outRow[key] = scores[key] / total;
}

// [n][heads][square] -> [n][square]; fusion 0 mean, 1 max, 2 min, 3 mean of max(0, x)
__global__ void fuse_heads(const float* attention, float* out, int n, int heads, int square, int fusion) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) n * square) return;
    int image = (int) (i / square);
    int p = (int) (i % square);
    float acc = fusion == 1 ? -INFINITY : fusion == 2 ? INFINITY : 0.0f;
    for (int h = 0; h < heads; h++) {
        float v = attention[((long long) image * heads + h) * square + p];
        switch (fusion) {
            case 0: acc += v; break;
            case 1: acc = fmaxf(acc, v); break;
            case 2: acc = fminf(acc, v); break;
            default: acc += fmaxf(v, 0.0f); break;
        }
    }
    out[i] = (fusion == 0 || fusion == 3) ? acc / heads : acc;
}

// one block per matrix row: M = A + I, then the row divided by its sum when renormalise is set
__global__ void residual_mix(const float* layers, float* out, int tokens, int renormalise) {
    extern __shared__ float reduce[];
    long long row = blockIdx.x;             // (matrix * tokens + r)
    int r = (int) (row % tokens);
    const float* in = layers + row * tokens;
    float* o = out + row * tokens;
    float sum = 0.0f;
    for (int c = threadIdx.x; c < tokens; c += blockDim.x) {
        float v = in[c] + (c == r ? 1.0f : 0.0f);
        o[c] = v;
        sum += v;
    }
    reduce[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) reduce[threadIdx.x] += reduce[threadIdx.x + s];
        __syncthreads();
    }
    if (renormalise) {
        float total = reduce[0];
        for (int c = threadIdx.x; c < tokens; c += blockDim.x) o[c] /= total;
    }
}

// batched square matrix product out[b] = left[b] * right[b], 16 x 16 tiles in shared memory
__global__ void batched_matmul(const float* left, const float* right, float* out, int size, long long leftStride,
                               long long rightStride) {
    __shared__ float a[16][16];
    __shared__ float b[16][16];
    int batch = blockIdx.z;
    int row = blockIdx.y * 16 + threadIdx.y;
    int col = blockIdx.x * 16 + threadIdx.x;
    const float* l = left + batch * leftStride;
    const float* r = right + batch * rightStride;
    float acc = 0.0f;
    for (int t = 0; t < size; t += 16) {
        a[threadIdx.y][threadIdx.x] = (row < size && t + threadIdx.x < size) ? l[(long long) row * size + t + threadIdx.x] : 0.0f;
        b[threadIdx.y][threadIdx.x] = (col < size && t + threadIdx.y < size) ? r[(long long) (t + threadIdx.y) * size + col] : 0.0f;
        __syncthreads();
        for (int j = 0; j < 16; j++) acc += a[threadIdx.y][j] * b[j][threadIdx.x];
        __syncthreads();
    }
    if (row < size && col < size) out[(long long) batch * size * size + (long long) row * size + col] = acc;
}

// identity matrices, the start of a rollout chain
__global__ void identity(float* out, int n, int tokens) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long square = (long long) tokens * tokens;
    if (i >= n * square) return;
    long long p = i % square;
    out[i] = (p / tokens == p % tokens) ? 1.0f : 0.0f;
}

}
