// Heed's map maths on the GPU: one kernel per Backend op. Layouts as in dev.heed.toolkit.backend.Backend: feature
// batches [n][c][h][w], map batches [n][h][w], row-major float32; colours packed 0xRRGGBB in int32.
// Sums accumulate in float here (the CPU reference uses double); the parity tests allow 1e-5 relative error.

extern "C" {

// [n][c][plane] -> [n][plane]; reduction 0 max|v|, 1 sum|v|, 2 sum v, 3 sqrt(sum v^2)
__global__ void reduce_channels(const float* features, float* out, int n, int channels, int plane, int reduction) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) n * plane) return;
    int image = (int) (i / plane);
    int p = (int) (i % plane);
    const float* base = features + (long long) image * channels * plane + p;
    float acc = 0.0f;
    for (int c = 0; c < channels; c++) {
        float v = base[(long long) c * plane];
        switch (reduction) {
            case 0: acc = fmaxf(acc, fabsf(v)); break;
            case 1: acc += fabsf(v); break;
            case 2: acc += v; break;
            default: acc += v * v; break;
        }
    }
    out[i] = reduction == 3 ? sqrtf(acc) : acc;
}

// one block per (image, channel): the spatial mean, [n][c][plane] -> [n][c]
__global__ void channel_means(const float* features, float* out, int plane) {
    extern __shared__ float partial[];
    const float* base = features + (long long) blockIdx.x * plane;
    float acc = 0.0f;
    for (int p = threadIdx.x; p < plane; p += blockDim.x) acc += base[p];
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = partial[0] / plane;
}

// one block per (image, channel): w = sum_ij alpha_ij relu(g_ij), alpha = g^2 / (2 g^2 + sum_ab A_ab g^3)
__global__ void gradcampp_weights(const float* activations, const float* gradients, float* out, int plane) {
    extern __shared__ float partial[];
    const float* a = activations + (long long) blockIdx.x * plane;
    const float* g = gradients + (long long) blockIdx.x * plane;
    float sumA = 0.0f;
    for (int p = threadIdx.x; p < plane; p += blockDim.x) sumA += a[p];
    partial[threadIdx.x] = sumA;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    float total = partial[0];
    __syncthreads();
    float acc = 0.0f;
    for (int p = threadIdx.x; p < plane; p += blockDim.x) {
        float g2 = g[p] * g[p];
        float denominator = 2.0f * g2 + total * g2 * g[p];
        float alpha = denominator != 0.0f ? g2 / denominator : 0.0f;
        acc += alpha * fmaxf(g[p], 0.0f);
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) partial[threadIdx.x] += partial[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}

// sum_k weights[k] * features[k], then ReLU when asked: [n][c][plane], [n][c] -> [n][plane]
__global__ void weighted_channel_sum(const float* features, const float* weights, float* out, int n, int channels, int plane,
                                     int relu) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) n * plane) return;
    int image = (int) (i / plane);
    int p = (int) (i % plane);
    const float* base = features + (long long) image * channels * plane + p;
    const float* w = weights + (long long) image * channels;
    float acc = 0.0f;
    for (int c = 0; c < channels; c++) acc += w[c] * base[(long long) c * plane];
    out[i] = relu ? fmaxf(acc, 0.0f) : acc;
}

// the value of output pixel (y, x) of a half-pixel bilinear resize, edges clamped (OpenCV INTER_LINEAR, PyTorch
// align_corners=False); shared by upsample_bilinear and the fused overlay so both compute the same numbers
__device__ float bilinear_at(const float* m, int height, int width, int outHeight, int outWidth, int y, int x) {
    // source coordinates in double, as the CPU reference: in float, maps of a few hundred pixels lose 1e-5 in the weights
    double sy = fmin(fmax((y + 0.5) * ((double) height / outHeight) - 0.5, 0.0), (double) (height - 1));
    double sx = fmin(fmax((x + 0.5) * ((double) width / outWidth) - 0.5, 0.0), (double) (width - 1));
    int y0 = (int) floor(sy);
    int x0 = (int) floor(sx);
    int y1 = min(y0 + 1, height - 1);
    int x1 = min(x0 + 1, width - 1);
    float fy = (float) (sy - y0);
    float fx = (float) (sx - x0);
    float top = m[y0 * width + x0] * (1.0f - fx) + m[y0 * width + x1] * fx;
    float bottom = m[y1 * width + x0] * (1.0f - fx) + m[y1 * width + x1] * fx;
    return top * (1.0f - fy) + bottom * fy;
}

// one block's min and max of (lo, hi) per thread, written to range[2 * blockIdx.x], range[2 * blockIdx.x + 1];
// needs 2 * blockDim.x floats of dynamic shared memory and a power-of-two block
__device__ void block_min_max(float lo, float hi, float* range) {
    extern __shared__ float partial[];
    float* lows = partial;
    float* highs = partial + blockDim.x;
    lows[threadIdx.x] = lo;
    highs[threadIdx.x] = hi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            lows[threadIdx.x] = fminf(lows[threadIdx.x], lows[threadIdx.x + s]);
            highs[threadIdx.x] = fmaxf(highs[threadIdx.x], highs[threadIdx.x + s]);
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        range[2 * blockIdx.x] = lows[0];
        range[2 * blockIdx.x + 1] = highs[0];
    }
}

// (v - lo) / (hi - lo) clamped to [0, 1]; zero where hi == lo. The CPU reference's arithmetic exactly (a float
// difference times a double 1 / span), so a value on a colour-table boundary falls on the same side on both backends.
__device__ float unit_of(float v, float lo, float hi) {
    double span = (double) hi - (double) lo;
    float difference = v - lo;
    return span > 0.0 ? (float) fmin(fmax(difference * (1.0 / span), 0.0), 1.0) : 0.0f;
}

// LUT index floor(u * 256) clamped to 255 (matplotlib's rule), then round((1 - a) image + a heat) per channel
__device__ int overlay_pixel(float unit, int image, const int* lut, float alpha) {
    int heat = lut[min(max((int) floorf(unit * 256.0f), 0), 255)];
    int rgb = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
        float mixed = (1.0f - alpha) * ((image >> shift) & 0xFF) + alpha * ((heat >> shift) & 0xFF);
        rgb |= min(max((int) floorf(mixed + 0.5f), 0), 255) << shift; // Math.round, as the CPU reference
    }
    return rgb;
}

__global__ void upsample_bilinear(const float* maps, float* out, int n, int height, int width, int outHeight, int outWidth) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long outPlane = (long long) outHeight * outWidth;
    if (i >= (long long) n * outPlane) return;
    int image = (int) (i / outPlane);
    out[i] = bilinear_at(maps + (long long) image * height * width, height, width, outHeight, outWidth,
                         (int) ((i % outPlane) / outWidth), (int) (i % outWidth));
}

// one block per map: [n][pixels] -> [n][2] (min, max)
__global__ void min_max(const float* maps, float* out, int pixels) {
    const float* m = maps + (long long) blockIdx.x * pixels;
    float lo = INFINITY;
    float hi = -INFINITY;
    for (int p = threadIdx.x; p < pixels; p += blockDim.x) {
        lo = fminf(lo, m[p]);
        hi = fmaxf(hi, m[p]);
    }
    block_min_max(lo, hi, out);
}

// (v - lo[i]) / (hi[i] - lo[i]) clamped to [0, 1]; zero where hi == lo
__global__ void normalize(const float* maps, const float* lo, const float* hi, float* out, int n, int pixels) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long) n * pixels) return;
    int image = (int) (i / pixels);
    out[i] = unit_of(maps[i], lo[image], hi[image]);
}

// the fused overlay: LUT index floor(v * 256) clamped to 255 (matplotlib's rule), then round((1 - a) image + a heat)
__global__ void colorize_blend(const float* unit, const int* images, const int* lut, int* out, long long count, float alpha) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) out[i] = overlay_pixel(unit[i], images[i], lut, alpha);
}

// The fused overlay, in two passes that never write the upsampled map. Pass 1: one block per map computes the
// min and max of its bilinear upsampling on the fly (the same values upsample_bilinear would write). Pass 2: each
// output pixel recomputes its bilinear value, normalises it by that range, looks it up and blends it: the only memory
// traffic is the image read and the overlay written, so it runs at copy bandwidth.
__global__ void upsampled_min_max(const float* maps, float* range, int height, int width, int outHeight, int outWidth) {
    const float* m = maps + (long long) blockIdx.x * height * width;
    long long pixels = (long long) outHeight * outWidth;
    float lo = INFINITY;
    float hi = -INFINITY;
    for (long long p = threadIdx.x; p < pixels; p += blockDim.x) {
        float v = bilinear_at(m, height, width, outHeight, outWidth, (int) (p / outWidth), (int) (p % outWidth));
        lo = fminf(lo, v);
        hi = fmaxf(hi, v);
    }
    block_min_max(lo, hi, range);
}

__global__ void overlay_fused(const float* maps, const float* range, const int* images, const int* lut, int* out, int n,
                              int height, int width, int outHeight, int outWidth, float alpha) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long pixels = (long long) outHeight * outWidth;
    if (i >= (long long) n * pixels) return;
    int image = (int) (i / pixels);
    int p = (int) (i % pixels);
    float v = bilinear_at(maps + (long long) image * height * width, height, width, outHeight, outWidth, p / outWidth, p % outWidth);
    out[i] = overlay_pixel(unit_of(v, range[2 * image], range[2 * image + 1]), images[i], lut, alpha);
}


// out = start (0 when has_start is 0) + block 0 + block 1 + ... of stacked ([blocks][per_block]), added in that order in
// float: the bits of repeated in-place adds (Integrated Gradients' sum over path steps, stacked into one pass)
__global__ void sum_blocks(const float* start, const float* stacked, float* out, long long per_block, int blocks, int has_start) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= per_block) return;
    float acc = has_start ? start[i] : 0.0f;
    for (int b = 0; b < blocks; b++) acc += stacked[(long long) b * per_block + i];
    out[i] = acc;
}

// out = a / divisor, element-wise, correctly rounded (a mean from a sum, as the host's in-place division)
__global__ void divide_by(const float* a, float* out, long long total, float divisor) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) out[i] = a[i] / divisor;
}

// SmoothGrad's noise, drawn where the batch lives: out[k][i][p] = clean[i][p] + sigma[i] * g, with g a standard Gaussian
// by Box-Muller from image i's SplittableRandom stream (Java's: seed += golden gamma, then Stafford's mix13), whose
// draws are counter-based, so every thread computes its own: pixel p of copy k reads draws first + k * per_copy + 2p + 1
// and + 2 (1-based), exactly as the host's sequential loop. The sum is formed in double and rounded once to float, as
// Java's (float) (clean + sigma * g); __dmul_rn and __dadd_rn keep nvcc from fusing it into an FMA.
__device__ unsigned long long heed_mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

__device__ double heed_stream_double(unsigned long long seed, unsigned long long draw) {
    return (double) (heed_mix64(seed + draw * 0x9e3779b97f4a7c15ULL) >> 11) * 0x1.0p-53;
}

__global__ void gaussian_noise(const float* clean, float* out, const long long* seeds, const double* sigma, long long per_image,
                               int n, long long first, long long per_copy, int copies) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) copies * n * per_image) return;
    long long p = idx % per_image;
    int image = (int) ((idx / per_image) % n);
    long long copy = idx / (per_image * n);
    unsigned long long seed = (unsigned long long) seeds[image];
    unsigned long long draw = (unsigned long long) (first + copy * per_copy + 2 * p);
    double u1 = 1.0 - heed_stream_double(seed, draw + 1);
    double u2 = heed_stream_double(seed, draw + 2);
    double g = __dmul_rn(sqrt(-2.0 * log(u1)), cos(__dmul_rn(2.0 * 3.141592653589793, u2)));
    out[idx] = (float) __dadd_rn((double) clean[(long long) image * per_image + p], __dmul_rn(sigma[image], g));
}

// Occlusion's copies: copy v of one image [c][h][w], with the window x window square at (corners[2v], corners[2v + 1])
// (top, left) set to baseline in every channel; out [count][c][h][w]
__global__ void occlude(const float* image, float* out, const int* corners, int channels, int height, int width, int window,
                        float baseline, int count) {
    long long per_image = (long long) channels * height * width;
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= per_image * count) return;
    int v = (int) (idx / per_image);
    long long p = idx % per_image;
    int y = (int) ((p / width) % height);
    int x = (int) (p % width);
    int top = corners[2 * v];
    int left = corners[2 * v + 1];
    bool inside = y >= top && y < top + window && x >= left && x < left + window;
    out[idx] = inside ? baseline : image[p];
}

// Integrated Gradients' path points, stacked: out[k][p] = start + delta[p] * alphas[k] in float, rounded after the
// product as the host's (x' + (x - x') * a) is (no fused multiply-add)
__global__ void path_points(const float* delta, float* out, const float* alphas, long long per_copy, float start, int count) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= per_copy * count) return;
    int k = (int) (idx / per_copy);
    out[idx] = __fadd_rn(start, __fmul_rn(delta[idx % per_copy], alphas[k]));
}

}
