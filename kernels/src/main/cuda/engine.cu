// The model pass on the GPU (issue #12): the kernels an explanation plan runs, forward in inference mode and backward
// from score weights down to a captured layer or the input, never to the weights. Exact FP32 throughout (the
// tensor-core TF32 path is a later addition). Layouts: activations [n][c][h][w] row-major float32; convolution
// weights [co][ci][kh][kw]; dense weights [in][out] (DL4J's layout); per-channel vectors [c].
//
// Transformer layers (ViT, MiniLM) use the batched GEMM, row-wise layer norm and softmax, exact GELU and the
// embedding gather below; rows are the last dimension, contiguous.
//
// Activation codes, shared with the Java side: 0 identity, 1 ReLU, 2 leaky ReLU (slope), 3 sigmoid, 4 tanh, 5 clip to
// [slope, beta] (ReLU6), 6 hard sigmoid max(0, min(1, slope x + beta)), 7 hard swish x relu6(x + 3) / 6.
// Backward kernels take the forward *output* y, from which every one of these derivatives follows but hard swish's,
// so a pass keeps one array per layer rather than both the pre- and post-activation; hard swish (not monotonic) takes
// its input through engine_activation_backward_input, and the Java side never fuses it into a convolution.
// Kinks follow torch: clip and hard sigmoid pass no gradient at their bounds, hard swish is x/3 + 1/2 on [-3, 3].

#if defined(__CUDACC__)
#include <mma.h>
#endif

#define ENGINE_TILE_M 64
#define ENGINE_TILE_N 64
#define ENGINE_TILE_K 16
#define ENGINE_THREADS 256

extern "C" {

__device__ float engine_activate(float v, int activation, float slope, float beta) {
    switch (activation) {
        case 1: return v > 0.0f ? v : 0.0f;
        case 2: return v > 0.0f ? v : slope * v;
        case 3: return 1.0f / (1.0f + expf(-v));
        case 4: return tanhf(v);
        case 5: return fminf(fmaxf(v, slope), beta);
        case 6: return fmaxf(0.0f, fminf(1.0f, slope * v + beta));
        case 7: return v * fminf(fmaxf(v + 3.0f, 0.0f), 6.0f) / 6.0f;
        default: return v;
    }
}

// dL/dv from dL/dy and y = f(v). Guided backprop (Springenberg et al.) also drops negative gradients at ReLUs.
// Not for hard swish (7), whose derivative needs v: see engine_activation_input_gradient.
__device__ float engine_activation_gradient(float y, float dy, int activation, float slope, float beta, int guided) {
    switch (activation) {
        case 1: return (y > 0.0f && (!guided || dy > 0.0f)) ? dy : 0.0f;
        case 2: return y > 0.0f ? dy : slope * dy;
        case 3: return dy * y * (1.0f - y);
        case 4: return dy * (1.0f - y * y);
        case 5: return (y > slope && y < beta) ? dy : 0.0f;
        case 6: return (y > 0.0f && y < 1.0f) ? slope * dy : 0.0f;
        default: return dy;
    }
}

// dL/dv from dL/dy and the activation's input v, for every code
__device__ float engine_activation_input_gradient(float v, float dy, int activation, float slope, float beta, int guided) {
    switch (activation) {
        case 1: return (v > 0.0f && (!guided || dy > 0.0f)) ? dy : 0.0f;
        case 2: return v > 0.0f ? dy : slope * dy;
        case 3: {
            float s = 1.0f / (1.0f + expf(-v));
            return dy * s * (1.0f - s);
        }
        case 4: {
            float t = tanhf(v);
            return dy * (1.0f - t * t);
        }
        case 5: return (v > slope && v < beta) ? dy : 0.0f;
        case 6: {
            float u = slope * v + beta;
            return (u > 0.0f && u < 1.0f) ? slope * dy : 0.0f;
        }
        case 7: return v < -3.0f ? 0.0f : v <= 3.0f ? dy * (v / 3.0f + 0.5f) : dy;
        default: return dy;
    }
}

}  // extern "C"

// --- one tiled GEMM body for dense layers and implicit-GEMM convolutions ------------------------------------------
// C[m][n] = sum_k A(m, k) B(k, n): a 64x64 tile of C per block of 256 threads, each thread 4x4 outputs spaced 16 apart,
// K in steps of 16 through shared memory. The loaders compute A and B on the fly (im2col without the copy), the store
// applies the epilogue (bias or folded BatchNorm, activation, accumulation).

struct EngineMatrix {
    const float* data;
    long long rowStride, colStride;
    __device__ float operator()(int r, int c) const { return data[r * rowStride + c * colStride]; }
};

// B(k, col) of a convolution's forward pass: k = (ci, ky, kx), col = (n, oy, ox), zero where the window leaves the input;
// ci counts from channelOffset (a group's first input channel) among the input's channels
struct EngineIm2col {
    const float* x;
    int channels, height, width, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX, outHeight, outWidth, channelOffset;
    __device__ float operator()(int k, int col) const {
        int kx = k % kw, t = k / kw, ky = t % kh, ci = t / kh + channelOffset;
        int ox = col % outWidth, u = col / outWidth, oy = u % outHeight, n = u / outHeight;
        int iy = oy * strideY - padY + ky * dilationY, ix = ox * strideX - padX + kx * dilationX;
        if (iy < 0 || iy >= height || ix < 0 || ix >= width) return 0.0f;
        return x[((long long) n * channels + ci) * height * width + (long long) iy * width + ix];
    }
};

// A(ci, k) of a convolution's backward-data pass: the weights read as [ci][co kh kw]
struct EngineTransposedFilters {
    const float* w;
    int inChannels, kernelArea;
    __device__ float operator()(int ci, int k) const {
        int co = k / kernelArea, r = k % kernelArea;
        return w[((long long) co * inChannels + ci) * kernelArea + r];
    }
};

// B(k, col) of the backward-data pass: k = (co, ky, kx), col = (n, iy, ix); the output position whose window put tap
// (ky, kx) on input pixel (iy, ix), or zero where none did (stride gaps, borders); co counts from channelOffset
struct EngineGradientGather {
    const float* dy;
    int outChannels, outHeight, outWidth, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX, height, width, channelOffset;
    __device__ float operator()(int k, int col) const {
        int kx = k % kw, t = k / kw, ky = t % kh, co = t / kh + channelOffset;
        int ix = col % width, u = col / width, iy = u % height, n = u / height;
        int ty = iy + padY - ky * dilationY, tx = ix + padX - kx * dilationX;
        if (ty < 0 || tx < 0 || ty % strideY != 0 || tx % strideX != 0) return 0.0f;
        int oy = ty / strideY, ox = tx / strideX;
        if (oy >= outHeight || ox >= outWidth) return 0.0f;
        return dy[((long long) n * outChannels + co) * outHeight * outWidth + (long long) oy * outWidth + ox];
    }
};

// row-major C with an optional bias per row or per column, activation, and accumulation into what C holds
struct EngineDenseStore {
    float* c;
    long long ldc;
    const float* bias;
    int biasPerRow, activation, accumulate;
    float slope;
    __device__ void operator()(int m, int n, float v) const {
        if (bias != nullptr) v += bias[biasPerRow ? m : n];
        v = engine_activate(v, activation, slope, 0.0f);
        float* at = c + m * ldc + n;
        *at = accumulate ? *at + v : v;
    }
};

// C(channel, (n, pixel)) stored as [n][channel][pixel], with y = activation(v * scale[c] + shift[c]) (bias or BN folded);
// row m is channel channelOffset + m (a group's rows)
struct EngineFeatureStore {
    float* out;
    int channels, plane;
    const float* scale;
    const float* shift;
    int activation, accumulate;
    float slope, beta;
    int channelOffset;
    __device__ void operator()(int row, int col, float v) const {
        int m = row + channelOffset;
        if (scale != nullptr) v *= scale[m];
        if (shift != nullptr) v += shift[m];
        v = engine_activate(v, activation, slope, beta);
        float* at = out + ((long long) (col / plane) * channels + m) * plane + col % plane;
        *at = accumulate ? *at + v : v;
    }
};

// row-major C scaled by alpha (attention scores: Q K^T / sqrt(d))
struct EngineScaledStore {
    float* c;
    long long ldc;
    float alpha;
    __device__ void operator()(int m, int n, float v) const { c[m * ldc + n] = alpha * v; }
};

template <class LoadA, class LoadB, class Store>
__device__ void engine_gemm_tile(int M, int N, int K, const LoadA& loadA, const LoadB& loadB, const Store& store) {
    __shared__ float tileA[ENGINE_TILE_K][ENGINE_TILE_M];
    __shared__ float tileB[ENGINE_TILE_K][ENGINE_TILE_N];
    int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    int m0 = blockIdx.y * ENGINE_TILE_M, n0 = blockIdx.x * ENGINE_TILE_N;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += ENGINE_TILE_K) {
        // A: consecutive threads walk k (contiguous in row-major weights); B: consecutive threads walk the columns
        for (int e = threadIdx.x; e < ENGINE_TILE_M * ENGINE_TILE_K; e += ENGINE_THREADS) {
            int mm = e / ENGINE_TILE_K, kk = e % ENGINE_TILE_K;
            int m = m0 + mm, k = k0 + kk;
            tileA[kk][mm] = (m < M && k < K) ? loadA(m, k) : 0.0f;
        }
        for (int e = threadIdx.x; e < ENGINE_TILE_K * ENGINE_TILE_N; e += ENGINE_THREADS) {
            int kk = e / ENGINE_TILE_N, nn = e % ENGINE_TILE_N;
            int k = k0 + kk, n = n0 + nn;
            tileB[kk][nn] = (k < K && n < N) ? loadB(k, n) : 0.0f;
        }
        __syncthreads();
        for (int kk = 0; kk < ENGINE_TILE_K; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = tileA[kk][ty + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = tileB[kk][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
            if (m < M && n < N) store(m, n, acc[i][j]);
        }
}

// The same tile product on the tensor cores in TF32 (sm_80 and newer): the A and B tiles go through shared memory as
// in FP32 and are rounded to TF32 (10-bit mantissa) as they enter the WMMA fragments; products accumulate in FP32.
// 8 warps as 4 x 2, each warp 16 rows x 32 columns (two 16x16x8 accumulators), K in steps of 8; the 64x64 result is
// staged in shared memory so that the same store (epilogue) as the FP32 path writes it. Below sm_80 it traps: the Java
// side never launches it there.
template <class LoadA, class LoadB, class Store>
__device__ void engine_gemm_tile_tf32(int M, int N, int K, const LoadA& loadA, const LoadB& loadB, const Store& store) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
    // row strides 12 and 68 floats: multiples of 4 (WMMA's rule for 32-bit elements) whose 16-row steps stay 32-byte aligned
    __shared__ __align__(32) float tileA[ENGINE_TILE_M][12];
    __shared__ __align__(32) float tileB[8][ENGINE_TILE_N + 4];
    __shared__ __align__(32) float tileC[ENGINE_TILE_M][ENGINE_TILE_N + 4];
    int warp = threadIdx.x / 32, wr = warp / 2, wc = warp % 2;
    int m0 = blockIdx.y * ENGINE_TILE_M, n0 = blockIdx.x * ENGINE_TILE_N;
    nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float> acc[2];
    nvcuda::wmma::fill_fragment(acc[0], 0.0f);
    nvcuda::wmma::fill_fragment(acc[1], 0.0f);
    for (int k0 = 0; k0 < K; k0 += 8) {
        for (int e = threadIdx.x; e < ENGINE_TILE_M * 8; e += ENGINE_THREADS) {
            int mm = e / 8, kk = e % 8;
            int m = m0 + mm, k = k0 + kk;
            tileA[mm][kk] = (m < M && k < K) ? loadA(m, k) : 0.0f;
        }
        for (int e = threadIdx.x; e < 8 * ENGINE_TILE_N; e += ENGINE_THREADS) {
            int kk = e / ENGINE_TILE_N, nn = e % ENGINE_TILE_N;
            int k = k0 + kk, n = n0 + nn;
            tileB[kk][nn] = (k < K && n < N) ? loadB(k, n) : 0.0f;
        }
        __syncthreads();
        nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32, nvcuda::wmma::row_major> a;
        nvcuda::wmma::load_matrix_sync(a, &tileA[16 * wr][0], 12);
        for (int i = 0; i < a.num_elements; i++) a.x[i] = nvcuda::wmma::__float_to_tf32(a.x[i]);
        for (int j = 0; j < 2; j++) {
            nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 8, nvcuda::wmma::precision::tf32, nvcuda::wmma::row_major> b;
            nvcuda::wmma::load_matrix_sync(b, &tileB[0][32 * wc + 16 * j], ENGINE_TILE_N + 4);
            for (int i = 0; i < b.num_elements; i++) b.x[i] = nvcuda::wmma::__float_to_tf32(b.x[i]);
            nvcuda::wmma::mma_sync(acc[j], a, b, acc[j]);
        }
        __syncthreads();
    }
    for (int j = 0; j < 2; j++) {
        nvcuda::wmma::store_matrix_sync(&tileC[16 * wr][32 * wc + 16 * j], acc[j], ENGINE_TILE_N + 4, nvcuda::wmma::mem_row_major);
    }
    __syncthreads();
    for (int e = threadIdx.x; e < ENGINE_TILE_M * ENGINE_TILE_N; e += ENGINE_THREADS) {
        int mm = e / ENGINE_TILE_N, nn = e % ENGINE_TILE_N;
        int m = m0 + mm, n = n0 + nn;
        if (m < M && n < N) store(m, n, tileC[mm][nn]);
    }
#else
    asm volatile("trap;");
#endif
}

extern "C" {

// C[M][N] (row-major, leading dimension ldc) = act(A B + bias) or C += that. A(m, k) = a[m*aRow + k*aCol] and
// B(k, n) = b[k*bRow + n*bCol], so transposes are strides: a dense layer's forward is x[B][in] W[in][out] and its
// backward-data dy[B][out] W^T. grid (ceil(N/64), ceil(M/64)), 256 threads.
__global__ void engine_gemm(const float* a, long long aRow, long long aCol, const float* b, long long bRow, long long bCol,
                            float* c, long long ldc, int M, int N, int K, const float* bias, int biasPerRow, int activation,
                            float slope, int accumulate) {
    EngineMatrix loadA{a, aRow, aCol};
    EngineMatrix loadB{b, bRow, bCol};
    EngineDenseStore store{c, ldc, bias, biasPerRow, activation, accumulate, slope};
    engine_gemm_tile(M, N, K, loadA, loadB, store);
}

// y[n][co][oy][ox] = act(scale[co] * sum_{ci,ky,kx} w[co][ci][ky][kx] x[n][g*inG + ci][oy*s - p + ky*d][...] + shift[co]):
// a convolution with its bias, or its bias and a folded inference BatchNorm, and its activation, in one pass.
// padY/padX are the top/left padding (Same padding's extra row or column falls at the bottom/right, as outHeight and
// outWidth imply). groups splits the channels into equal groups, one implicit GEMM per group (blockIdx.z), with w
// [co][ci / groups][kh][kw]: groups = ci is a depthwise convolution. That GEMM has one row per output channel of the
// group, so a depthwise one fills 1 of the tile's 64 rows; a dedicated depthwise kernel would be faster, but this keeps
// one convolution path (FP32 and TF32, fused epilogue, backward) that is checked against one reference.
// grid (ceil(n*outHeight*outWidth/64), ceil(outChannels/groups/64), groups), 256 threads.
__global__ void engine_conv2d_forward(const float* x, const float* w, float* y, int n, int inChannels, int height, int width,
                                      int outChannels, int outHeight, int outWidth, int kh, int kw, int strideY, int strideX,
                                      int padY, int padX, int dilationY, int dilationX, int groups, const float* scale,
                                      const float* shift, int activation, float slope, float beta) {
    int inGroup = inChannels / groups, outGroup = outChannels / groups, g = blockIdx.z;
    EngineMatrix filters{w + (long long) g * outGroup * inGroup * kh * kw, (long long) inGroup * kh * kw, 1};
    EngineIm2col columns{x, inChannels, height, width, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX, outHeight, outWidth,
                         g * inGroup};
    EngineFeatureStore store{y, outChannels, outHeight * outWidth, scale, shift, activation, 0, slope, beta, g * outGroup};
    engine_gemm_tile(outGroup, n * outHeight * outWidth, inGroup * kh * kw, filters, columns, store);
}

// dx[n][ci][iy][ix] (+)= sum over the taps that read (iy, ix) of w[co][ci][ky][kx] dy[n][co][oy][ox]: the gradient
// of a convolution's input, as an implicit GEMM over the transposed filters. accumulate adds into dx (a tensor read
// by several layers, e.g. a residual block's input). Grouped as the forward pass: one implicit GEMM per group over its
// input channels and the output channels that read them. grid (ceil(n*height*width/64), ceil(inChannels/groups/64),
// groups), 256 threads.
__global__ void engine_conv2d_backward_data(const float* dy, const float* w, float* dx, int n, int inChannels, int height, int width,
                                            int outChannels, int outHeight, int outWidth, int kh, int kw, int strideY, int strideX,
                                            int padY, int padX, int dilationY, int dilationX, int groups, int accumulate) {
    int inGroup = inChannels / groups, outGroup = outChannels / groups, g = blockIdx.z;
    EngineTransposedFilters filters{w + (long long) g * outGroup * inGroup * kh * kw, inGroup, kh * kw};
    EngineGradientGather columns{dy, outChannels, outHeight, outWidth, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX,
                                 height, width, g * outGroup};
    EngineFeatureStore store{dx, inChannels, height * width, nullptr, nullptr, 0, accumulate, 0.0f, 0.0f, g * inGroup};
    engine_gemm_tile(inGroup, n * height * width, outGroup * kh * kw, filters, columns, store);
}

// The TF32 tensor-core variants of the three GEMM-shaped kernels above: the same arguments, the same launch shapes.
__global__ void engine_gemm_tf32(const float* a, long long aRow, long long aCol, const float* b, long long bRow, long long bCol,
                                 float* c, long long ldc, int M, int N, int K, const float* bias, int biasPerRow, int activation,
                                 float slope, int accumulate) {
    EngineMatrix loadA{a, aRow, aCol};
    EngineMatrix loadB{b, bRow, bCol};
    EngineDenseStore store{c, ldc, bias, biasPerRow, activation, accumulate, slope};
    engine_gemm_tile_tf32(M, N, K, loadA, loadB, store);
}

__global__ void engine_conv2d_forward_tf32(const float* x, const float* w, float* y, int n, int inChannels, int height, int width,
                                           int outChannels, int outHeight, int outWidth, int kh, int kw, int strideY, int strideX,
                                           int padY, int padX, int dilationY, int dilationX, int groups, const float* scale,
                                           const float* shift, int activation, float slope, float beta) {
    int inGroup = inChannels / groups, outGroup = outChannels / groups, g = blockIdx.z;
    EngineMatrix filters{w + (long long) g * outGroup * inGroup * kh * kw, (long long) inGroup * kh * kw, 1};
    EngineIm2col columns{x, inChannels, height, width, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX, outHeight, outWidth,
                         g * inGroup};
    EngineFeatureStore store{y, outChannels, outHeight * outWidth, scale, shift, activation, 0, slope, beta, g * outGroup};
    engine_gemm_tile_tf32(outGroup, n * outHeight * outWidth, inGroup * kh * kw, filters, columns, store);
}

__global__ void engine_conv2d_backward_data_tf32(const float* dy, const float* w, float* dx, int n, int inChannels, int height, int width,
                                                 int outChannels, int outHeight, int outWidth, int kh, int kw, int strideY, int strideX,
                                                 int padY, int padX, int dilationY, int dilationX, int groups, int accumulate) {
    int inGroup = inChannels / groups, outGroup = outChannels / groups, g = blockIdx.z;
    EngineTransposedFilters filters{w + (long long) g * outGroup * inGroup * kh * kw, inGroup, kh * kw};
    EngineGradientGather columns{dy, outChannels, outHeight, outWidth, kh, kw, strideY, strideX, padY, padX, dilationY, dilationX,
                                 height, width, g * outGroup};
    EngineFeatureStore store{dx, inChannels, height * width, nullptr, nullptr, 0, accumulate, 0.0f, 0.0f, g * inGroup};
    engine_gemm_tile_tf32(inGroup, n * height * width, outGroup * kh * kw, filters, columns, store);
}

// y = act(x * scale[c] + shift[c]) over [n][c][plane]: an inference BatchNorm (and activation) that was not folded
// into a convolution, or an activation alone (scale and shift null). y may be x.
__global__ void engine_channel_affine(const float* x, float* y, long long total, int channels, int plane, const float* scale,
                                      const float* shift, int activation, float slope, float beta) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    int c = (int) ((i / plane) % channels);
    float v = x[i];
    if (scale != nullptr) v *= scale[c];
    if (shift != nullptr) v += shift[c];
    y[i] = engine_activate(v, activation, slope, beta);
}

// dx = scale[c] * act'(y) dy over [n][c][plane] (scale null: 1), the backward of engine_channel_affine; dx may be dy.
// accumulate adds into dx. With channels = 1 and plane = total it is the backward of any element-wise activation.
__global__ void engine_channel_affine_backward(const float* y, const float* dy, float* dx, long long total, int channels, int plane,
                                               const float* scale, int activation, float slope, float beta, int guided,
                                               int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float g = engine_activation_gradient(y[i], dy[i], activation, slope, beta, guided);
    if (scale != nullptr) g *= scale[(i / plane) % channels];
    dx[i] = accumulate ? dx[i] + g : g;
}

// dx (+)= act'(x) dy from the activation's input x: for hard swish, whose derivative its output does not determine
__global__ void engine_activation_backward_input(const float* x, const float* dy, float* dx, long long total, int activation, float slope,
                                                 float beta, int guided, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float g = engine_activation_input_gradient(x[i], dy[i], activation, slope, beta, guided);
    dx[i] = accumulate ? dx[i] + g : g;
}

// out (+)= a * b[i / repeat], element-wise with b repeated over runs of repeat values: repeat 1 multiplies tensors of
// one shape (SiLU's x sigmoid(x)), repeat = h*w scales each channel plane by one value (squeeze-and-excitation). The
// forward pass, and the gradient of a (dy * b); with repeat 1 also the gradient of b (dy * a).
__global__ void engine_multiply(const float* a, const float* b, float* out, long long total, int repeat, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float v = a[i] * b[i / repeat];
    out[i] = accumulate ? out[i] + v : v;
}

// out = a + b, element-wise (a residual add); out may alias a or b
__global__ void engine_add(const float* a, const float* b, float* out, long long total) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) out[i] = a[i] + b[i];
}

// dst (+)= src, element-wise: a gradient handed to a tensor read by several layers
__global__ void engine_copy(const float* src, float* dst, long long total, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) dst[i] = accumulate ? dst[i] + src[i] : src[i];
}

// 2-D pooling over [n][c][h][w] -> [n][c][outHeight][outWidth]; mode 0 max (padding never wins; the index of the
// first maximum in row-major window order goes to argmax, -1 for an all-padding window), 1 average over the window's
// taps inside the input, 2 average over all kh*kw taps (padding counts as zeros). One thread per output.
__global__ void engine_pool2d_forward(const float* x, float* y, int* argmax, int planes, int height, int width, int outHeight,
                                      int outWidth, int kh, int kw, int strideY, int strideX, int padY, int padX, int mode) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) planes * outHeight * outWidth) return;
    int ox = (int) (i % outWidth), oy = (int) ((i / outWidth) % outHeight);
    long long p = i / ((long long) outWidth * outHeight);
    const float* plane = x + p * height * width;
    float best = -INFINITY, sum = 0.0f;
    int where = -1, inside = 0;
    for (int ky = 0; ky < kh; ky++) {
        int iy = oy * strideY - padY + ky;
        if (iy < 0 || iy >= height) continue;
        for (int kx = 0; kx < kw; kx++) {
            int ix = ox * strideX - padX + kx;
            if (ix < 0 || ix >= width) continue;
            float v = plane[iy * width + ix];
            if (v > best || where < 0) {
                best = v;
                where = iy * width + ix;
            }
            sum += v;
            inside++;
        }
    }
    if (mode == 0) {
        y[i] = where < 0 ? 0.0f : best;
        if (argmax != nullptr) argmax[i] = where;
    } else {
        int count = mode == 1 ? inside : kh * kw;
        y[i] = count > 0 ? sum / count : 0.0f;
    }
}

// dx (+)= the pooling's input gradient, gathered per input pixel (no atomics, deterministic): max gives dy to the
// pixel its window chose (argmax from the forward pass), average spreads dy over the window's counted taps.
__global__ void engine_pool2d_backward(const float* dy, const int* argmax, float* dx, int planes, int height, int width,
                                       int outHeight, int outWidth, int kh, int kw, int strideY, int strideX, int padY, int padX,
                                       int mode, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) planes * height * width) return;
    int ix = (int) (i % width), iy = (int) ((i / width) % height);
    long long p = i / ((long long) width * height);
    const float* g = dy + p * outHeight * outWidth;
    float acc = 0.0f;
    // output rows whose window covers iy: oy*s - pad <= iy <= oy*s - pad + k - 1
    int oyLo = max(0, (iy + padY - kh + strideY) / strideY), oyHi = min(outHeight - 1, (iy + padY) / strideY);
    int oxLo = max(0, (ix + padX - kw + strideX) / strideX), oxHi = min(outWidth - 1, (ix + padX) / strideX);
    for (int oy = oyLo; oy <= oyHi; oy++) {
        for (int ox = oxLo; ox <= oxHi; ox++) {
            int o = oy * outWidth + ox;
            if (mode == 0) {
                if (argmax[p * outHeight * outWidth + o] == iy * width + ix) acc += g[o];
            } else {
                int count = kh * kw;
                if (mode == 1) {
                    int y0 = oy * strideY - padY, x0 = ox * strideX - padX;
                    count = (min(y0 + kh, height) - max(y0, 0)) * (min(x0 + kw, width) - max(x0, 0));
                }
                acc += g[o] / count;
            }
        }
    }
    dx[i] = accumulate ? dx[i] + acc : acc;
}

// [planes][plane] -> [planes]: mode 0 max (first maximum's index to argmax), 1 average, 2 sum. One block per plane.
__global__ void engine_global_pool_forward(const float* x, float* y, int* argmax, int plane, int mode) {
    extern __shared__ float shared[];
    float* values = shared;
    float* indices = shared + blockDim.x;   // small ints, exact in float below 2^24
    const float* base = x + (long long) blockIdx.x * plane;
    float acc = mode == 0 ? -INFINITY : 0.0f;
    int where = -1;
    for (int p = threadIdx.x; p < plane; p += blockDim.x) {
        float v = base[p];
        if (mode == 0) {
            if (v > acc || where < 0) {
                acc = v;
                where = p;
            }
        } else {
            acc += v;
        }
    }
    values[threadIdx.x] = acc;
    indices[threadIdx.x] = (float) where;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            float other = values[threadIdx.x + s];
            float otherAt = indices[threadIdx.x + s];
            if (mode == 0) {
                float mine = values[threadIdx.x], mineAt = indices[threadIdx.x];
                // the larger value; on a tie the lower index, so the result matches a left-to-right scan
                bool take = otherAt >= 0 && (mineAt < 0 || other > mine || (other == mine && otherAt < mineAt));
                if (take) {
                    values[threadIdx.x] = other;
                    indices[threadIdx.x] = otherAt;
                }
            } else {
                values[threadIdx.x] += other;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        y[blockIdx.x] = mode == 1 ? values[0] / plane : values[0];
        if (mode == 0 && argmax != nullptr) argmax[blockIdx.x] = (int) indices[0];
    }
}

// dx[planes][plane] (+)= the global pooling's input gradient: all of dy to the chosen pixel (max), dy/plane to each
// (average), dy to each (sum)
__global__ void engine_global_pool_backward(const float* dy, const int* argmax, float* dx, long long planes, int plane, int mode,
                                            int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= planes * plane) return;
    long long p = i / plane;
    float g = mode == 0 ? (argmax[p] == (int) (i % plane) ? dy[p] : 0.0f) : mode == 1 ? dy[p] / plane : dy[p];
    dx[i] = accumulate ? dx[i] + g : g;
}

}  // extern "C"

// Batched C_z = alpha A_z B_z over blockIdx.z = z, where a batch index splits as (z / inner, z % inner) so that
// per-head matrices inside [batch][tokens][heads * dim] activations are strided views (no transposing copies):
// A_z(m, k) = a[(z / inner) * aOuter + (z % inner) * aInner + m*aRow + k*aCol], likewise B and C (row stride ldc).
// grid (ceil(N/64), ceil(M/64), batches), 256 threads. TF32 runs the tile on the tensor cores (sm_80 and newer).
template <bool TF32>
__device__ void engine_gemm_batched_tile(const float* a, long long aRow, long long aCol, long long aOuter, long long aInner,
                                         const float* b, long long bRow, long long bCol, long long bOuter, long long bInner,
                                         float* c, long long ldc, long long cOuter, long long cInner, int inner, int M, int N, int K,
                                         float alpha) {
    long long zo = blockIdx.z / inner, zi = blockIdx.z % inner;
    EngineMatrix loadA{a + zo * aOuter + zi * aInner, aRow, aCol};
    EngineMatrix loadB{b + zo * bOuter + zi * bInner, bRow, bCol};
    EngineScaledStore store{c + zo * cOuter + zi * cInner, ldc, alpha};
    if constexpr (TF32) {  // constexpr: each kernel holds only its own tile and its shared memory
        engine_gemm_tile_tf32(M, N, K, loadA, loadB, store);
    } else {
        engine_gemm_tile(M, N, K, loadA, loadB, store);
    }
}

extern "C" {

__global__ void engine_gemm_batched(const float* a, long long aRow, long long aCol, long long aOuter, long long aInner,
                                    const float* b, long long bRow, long long bCol, long long bOuter, long long bInner,
                                    float* c, long long ldc, long long cOuter, long long cInner, int inner, int M, int N, int K,
                                    float alpha) {
    engine_gemm_batched_tile<false>(a, aRow, aCol, aOuter, aInner, b, bRow, bCol, bOuter, bInner, c, ldc, cOuter, cInner, inner,
                                    M, N, K, alpha);
}

// a transformer's per-head scores and context in a TF32 pass
__global__ void engine_gemm_batched_tf32(const float* a, long long aRow, long long aCol, long long aOuter, long long aInner,
                                         const float* b, long long bRow, long long bCol, long long bOuter, long long bInner,
                                         float* c, long long ldc, long long cOuter, long long cInner, int inner, int M, int N, int K,
                                         float alpha) {
    engine_gemm_batched_tile<true>(a, aRow, aCol, aOuter, aInner, b, bRow, bCol, bOuter, bInner, c, ldc, cOuter, cInner, inner,
                                   M, N, K, alpha);
}

}  // extern "C"

// A block-wide sum of one value per thread (blockDim.x a power of two, <= 1024), returned to every thread.
__device__ float engine_block_sum(float v, float* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
        __syncthreads();
    }
    float total = scratch[0];
    __syncthreads();
    return total;
}

__device__ float engine_block_max(float v, float* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] = fmaxf(scratch[threadIdx.x], scratch[threadIdx.x + s]);
        __syncthreads();
    }
    float total = scratch[0];
    __syncthreads();
    return total;
}

extern "C" {

// db[p] (+)= sum_k a[p][k] dy[p][k] over [planes][plane]: the gradient of a per-plane factor b in out = a * b[p]
// (squeeze-and-excitation's gate). One block per plane, blockDim.x (a power of two) floats of shared memory.
__global__ void engine_multiply_reduce(const float* a, const float* dy, float* db, int plane, int accumulate) {
    extern __shared__ float scratch[];
    long long base = (long long) blockIdx.x * plane;
    float s = 0.0f;
    for (int i = threadIdx.x; i < plane; i += blockDim.x) s += a[base + i] * dy[base + i];
    float total = engine_block_sum(s, scratch);
    if (threadIdx.x == 0) db[blockIdx.x] = accumulate ? db[blockIdx.x] + total : total;
}

// y = (x - mean) / sqrt(var + eps) * gamma + beta per row of [rows][cols] (biased variance, as BERT and torch);
// mean and 1/sqrt(var + eps) per row go to stats[row][2] for the backward pass. One block per row, blockDim.x floats
// of shared memory.
__global__ void engine_layer_norm(const float* x, float* y, float* stats, int cols, const float* gamma, const float* beta, float eps) {
    extern __shared__ float scratch[];
    const float* row = x + (long long) blockIdx.x * cols;
    float* out = y + (long long) blockIdx.x * cols;
    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) s += row[i];
    float mean = engine_block_sum(s, scratch) / cols;
    float q = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) q += (row[i] - mean) * (row[i] - mean);
    float rstd = 1.0f / sqrtf(engine_block_sum(q, scratch) / cols + eps);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) out[i] = (row[i] - mean) * rstd * gamma[i] + beta[i];
    if (threadIdx.x == 0) {
        stats[2 * blockIdx.x] = mean;
        stats[2 * blockIdx.x + 1] = rstd;
    }
}

// dx (+)= rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma, xhat = (x - mean) rstd: the layer norm's input gradient
__global__ void engine_layer_norm_backward(const float* x, const float* stats, const float* dy, float* dx, int cols, const float* gamma,
                                           int accumulate) {
    extern __shared__ float scratch[];
    long long base = (long long) blockIdx.x * cols;
    float mean = stats[2 * blockIdx.x], rstd = stats[2 * blockIdx.x + 1];
    float sg = 0.0f, sgx = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float g = dy[base + i] * gamma[i];
        sg += g;
        sgx += g * (x[base + i] - mean) * rstd;
    }
    float meanG = engine_block_sum(sg, scratch) / cols;
    float meanGx = engine_block_sum(sgx, scratch) / cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float xhat = (x[base + i] - mean) * rstd;
        float v = rstd * (dy[base + i] * gamma[i] - meanG - xhat * meanGx);
        dx[base + i] = accumulate ? dx[base + i] + v : v;
    }
}

// y = softmax(x + bias) per row of [rows][cols]; bias (nullable) is [rows / rowsPerBias][cols], e.g. a key mask of
// 0 and -inf shared by every head's and query's row of one input. One block per row.
__global__ void engine_softmax_rows(const float* x, float* y, int cols, const float* bias, int rowsPerBias) {
    extern __shared__ float scratch[];
    long long base = (long long) blockIdx.x * cols;
    const float* extra = bias == nullptr ? nullptr : bias + (long long) (blockIdx.x / rowsPerBias) * cols;
    float m = -INFINITY;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) m = fmaxf(m, x[base + i] + (extra ? extra[i] : 0.0f));
    m = engine_block_max(m, scratch);
    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float e = expf(x[base + i] + (extra ? extra[i] : 0.0f) - m);
        y[base + i] = e;
        s += e;
    }
    float total = engine_block_sum(s, scratch);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) y[base + i] /= total;
}

// dx = y (dy - sum(dy y)) per row: the softmax's input gradient from its output
__global__ void engine_softmax_rows_backward(const float* y, const float* dy, float* dx, int cols) {
    extern __shared__ float scratch[];
    long long base = (long long) blockIdx.x * cols;
    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) s += dy[base + i] * y[base + i];
    float dot = engine_block_sum(s, scratch);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) dx[base + i] = y[base + i] * (dy[base + i] - dot);
}

// exact GELU, y = x Phi(x) (BERT's and the ViT's), and its backward dx = dy (Phi(x) + x phi(x)) from the input x
__global__ void engine_gelu(const float* x, float* y, long long total) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

__global__ void engine_gelu_backward(const float* x, const float* dy, float* dx, long long total) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    float v = x[i];
    float cdf = 0.5f * (1.0f + erff(v * 0.70710678118654752f));
    float pdf = 0.39894228040143268f * expf(-0.5f * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
}

// out[r][:] (+)= table[ids[r]][:] for rows of width cols: token, position and segment embeddings summed in turn.
// An id outside [0, tableRows) writes zeros (the Java side checks ids before upload; this only keeps reads in bounds).
__global__ void engine_embedding_gather(const int* ids, const float* table, float* out, long long rows, int cols, int tableRows,
                                        int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows * cols) return;
    int id = ids[i / cols];
    float v = (id >= 0 && id < tableRows) ? table[(long long) id * cols + i % cols] : 0.0f;
    out[i] = accumulate ? out[i] + v : v;
}

}  // extern "C"

extern "C" {

// y[p][oy][ox] = x[p][oy - top][ox - left], zero outside: zero padding of [planes][h][w] to [planes][outHeight][outWidth]
__global__ void engine_pad2d(const float* x, float* y, long long planes, int height, int width, int outHeight, int outWidth, int top, int left) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= planes * outHeight * outWidth) return;
    int ox = (int) (i % outWidth), oy = (int) ((i / outWidth) % outHeight);
    long long p = i / ((long long) outWidth * outHeight);
    int iy = oy - top, ix = ox - left;
    y[i] = (iy >= 0 && iy < height && ix >= 0 && ix < width) ? x[(p * height + iy) * width + ix] : 0.0f;
}

// dx[p][iy][ix] (+)= dy[p][iy + top][ix + left]: the padding's input gradient, a crop
__global__ void engine_crop2d(const float* dy, float* dx, long long planes, int height, int width, int outHeight, int outWidth, int top,
                              int left, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= planes * height * width) return;
    int ix = (int) (i % width), iy = (int) ((i / width) % height);
    long long p = i / ((long long) width * height);
    float v = dy[(p * outHeight + iy + top) * outWidth + ix + left];
    dx[i] = accumulate ? dx[i] + v : v;
}

// dst[n][dstOffset + c][:] (+)= src[n][srcOffset + c][:] for c < count, between [n][srcChannels][plane] and
// [n][dstChannels][plane]: a concatenation's forward (into the joint tensor) and backward (out of it)
__global__ void engine_copy_channels(const float* src, float* dst, int n, int srcChannels, int srcOffset, int dstChannels, int dstOffset,
                                     int count, int plane, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) n * count * plane) return;
    int p = (int) (i % plane);
    long long t = i / plane;
    int c = (int) (t % count), b = (int) (t / count);
    float v = src[((long long) b * srcChannels + srcOffset + c) * plane + p];
    float* at = dst + ((long long) b * dstChannels + dstOffset + c) * plane + p;
    *at = accumulate ? *at + v : v;
}

// y[i] (+)= x[offset + sum_a index_a * stride_a], where (index_0 .. index_4) is i's position in a row-major output of
// [d0][d1][d2][d3][d4] (unused leading axes of size 1): one gather for every view of a tensor the transformer ops need,
// a permutation of axes (the input's strides in output order), a slice (an offset), a broadcast over the batch
// (stride 0). Each output element is written by one thread, so accumulating is race-free.
__global__ void engine_strided_copy(const float* x, long long offset, float* y, long long total, int d1, int d2, int d3, int d4,
                                    long long s0, long long s1, long long s2, long long s3, long long s4, int accumulate) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total) return;
    long long rest = i;
    long long source = offset + (rest % d4) * s4;
    rest /= d4;
    source += (rest % d3) * s3;
    rest /= d3;
    source += (rest % d2) * s2;
    rest /= d2;
    source += (rest % d1) * s1;
    rest /= d1;
    source += rest * s0;
    float v = x[source];
    y[i] = accumulate ? y[i] + v : v;
}

}  // extern "C"
