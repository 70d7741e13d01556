// Runs the model-pass kernels (engine.cu) under the CPU emulator against plain double-precision loops written from
// the definitions (a direct convolution, a scatter for its input gradient, window loops for pooling), with the launch
// shapes a CUDA executor uses: sizes that leave partial tiles in M, N and K, strides, dilation, padding on every side.
// Prints one line per check; exit code 1 when any disagrees.
#include "cuda_emulator.h"
#include <cstdio>
#include <random>
#include <string>

#include "engine.inc"

static int failures = 0;
static std::mt19937 rng(11);

static std::vector<float> randoms(size_t n) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

static void check(const std::string& what, const std::vector<double>& expected, const float* actual, double tolerance = 1e-5) {
    double scale = 0, worst = 0;
    for (double e : expected) scale = std::max(scale, std::fabs(e));
    for (size_t i = 0; i < expected.size(); i++) {
        double d = std::fabs(expected[i] - actual[i]) / std::max(scale, 1e-30);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
    }
    bool ok = worst <= tolerance;
    failures += ok ? 0 : 1;
    std::printf("%-52s %s (largest difference %.2e of the largest magnitude)\n", what.c_str(), ok ? "ok" : "MISMATCH", worst);
}

static void check_ints(const std::string& what, const std::vector<int>& expected, const int* actual) {
    size_t wrong = 0;
    for (size_t i = 0; i < expected.size(); i++) wrong += expected[i] != actual[i];
    failures += wrong == 0 ? 0 : 1;
    std::printf("%-52s %s (%zu of %zu differ)\n", what.c_str(), wrong == 0 ? "ok" : "MISMATCH", wrong, expected.size());
}

static double activate(double v, int activation, double slope, double beta = 0) {
    switch (activation) {
        case 1: return v > 0 ? v : 0;
        case 2: return v > 0 ? v : slope * v;
        case 3: return 1 / (1 + std::exp(-v));
        case 4: return std::tanh(v);
        case 5: return std::min(std::max(v, slope), beta);
        case 6: return std::max(0.0, std::min(1.0, slope * v + beta));
        case 7: return v * std::min(std::max(v + 3, 0.0), 6.0) / 6;
        default: return v;
    }
}

static dim3 tiles(long long n, long long m) {
    return dim3{(unsigned) ((n + ENGINE_TILE_N - 1) / ENGINE_TILE_N), (unsigned) ((m + ENGINE_TILE_M - 1) / ENGINE_TILE_M), 1};
}
static dim3 grid1(long long threads) { return dim3{(unsigned) ((threads + 255) / 256), 1, 1}; }
static const dim3 B256{256, 1, 1};

struct Conv {
    int n, ci, h, w, co, kh, kw, sy, sx, py, px, dy, dx, ho, wo;
};

// output size for explicit top/left padding and the total padding that Same adds (bottom/right get the rest)
static Conv conv(int n, int ci, int h, int w, int co, int kh, int kw, int sy, int sx, int py, int px, int padBottom, int padRight,
                 int dy, int dx) {
    int ho = (h + py + padBottom - ((kh - 1) * dy + 1)) / sy + 1;
    int wo = (w + px + padRight - ((kw - 1) * dx + 1)) / sx + 1;
    return Conv{n, ci, h, w, co, kh, kw, sy, sx, py, px, dy, dx, ho, wo};
}

static void test_gemm() {
    int M = 70, N = 67, K = 37;
    auto a = randoms((size_t) M * K), b = randoms((size_t) K * N), bias = randoms(N), biasRows = randoms(M);
    auto c0 = randoms((size_t) M * N);
    for (int variant = 0; variant < 4; variant++) {
        // 0: plain; 1: bias per column + ReLU; 2: B transposed (b read as [N][K]), bias per row, accumulate; 3: A transposed + leaky
        std::vector<float> c = c0;
        bool transA = variant == 3, transB = variant == 2;
        const float* biasPtr = variant == 1 ? bias.data() : variant == 2 ? biasRows.data() : nullptr;
        int activation = variant == 1 ? 1 : variant == 3 ? 2 : 0;
        int accumulate = variant == 2;
        long long aRow = transA ? 1 : K, aCol = transA ? M : 1;
        long long bRow = transB ? 1 : N, bCol = transB ? K : 1;
        emulate(tiles(N, M), B256, 0, [&] {
            engine_gemm(a.data(), aRow, aCol, b.data(), bRow, bCol, c.data(), N, M, N, K, biasPtr, variant == 2, activation, 0.1f, accumulate);
        });
        std::vector<double> e((size_t) M * N);
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += (double) a[m * aRow + k * aCol] * b[k * bRow + n * bCol];
                if (biasPtr != nullptr) s += biasPtr[variant == 2 ? m : n];
                s = activate(s, activation, 0.1);
                e[(size_t) m * N + n] = accumulate ? c0[(size_t) m * N + n] + s : s;
            }
        const char* names[] = {"engine_gemm 70x67x37", "engine_gemm bias per column + ReLU", "engine_gemm B transposed, row bias, +=",
                               "engine_gemm A transposed + leaky ReLU"};
        check(names[variant], e, c.data());
    }
}

// groups splits the channels (w is [co][ci / groups][kh][kw]); activation 5 (clip) runs with bounds [0.2, 0.9]
static void test_conv(const char* name, Conv s, int activation, bool affine, int groups = 1) {
    int cg = s.ci / groups, og = s.co / groups;
    auto x = randoms((size_t) s.n * s.ci * s.h * s.w);
    auto w = randoms((size_t) s.co * cg * s.kh * s.kw);
    auto scale = randoms(s.co), shift = randoms(s.co);
    std::vector<float> y((size_t) s.n * s.co * s.ho * s.wo);
    dim3 forwardGrid = tiles((long long) s.n * s.ho * s.wo, og);
    forwardGrid.z = groups;
    emulate(forwardGrid, B256, 0, [&] {
        engine_conv2d_forward(x.data(), w.data(), y.data(), s.n, s.ci, s.h, s.w, s.co, s.ho, s.wo, s.kh, s.kw, s.sy, s.sx, s.py, s.px,
                              s.dy, s.dx, groups, affine ? scale.data() : nullptr, affine ? shift.data() : nullptr, activation, 0.2f, 0.9f);
    });
    std::vector<double> e(y.size());
    for (int n = 0; n < s.n; n++)
        for (int o = 0; o < s.co; o++)
            for (int oy = 0; oy < s.ho; oy++)
                for (int ox = 0; ox < s.wo; ox++) {
                    double acc = 0;
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < s.kh; ky++)
                            for (int kx = 0; kx < s.kw; kx++) {
                                int iy = oy * s.sy - s.py + ky * s.dy, ix = ox * s.sx - s.px + kx * s.dx;
                                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                                int ci = o / og * cg + c;
                                acc += (double) w[((o * cg + c) * s.kh + ky) * s.kw + kx] * x[((n * s.ci + ci) * s.h + iy) * s.w + ix];
                            }
                    if (affine) acc = acc * scale[o] + shift[o];
                    e[((n * s.co + o) * s.ho + oy) * s.wo + ox] = activate(acc, activation, 0.2, 0.9);
                }
    check(std::string("engine_conv2d_forward ") + name, e, y.data());

    // the input gradient, against a scatter over every tap, added onto what dx held
    auto dyv = randoms(y.size());
    auto dx0 = randoms(x.size());
    std::vector<float> dx = dx0;
    dim3 backwardGrid = tiles((long long) s.n * s.h * s.w, cg);
    backwardGrid.z = groups;
    emulate(backwardGrid, B256, 0, [&] {
        engine_conv2d_backward_data(dyv.data(), w.data(), dx.data(), s.n, s.ci, s.h, s.w, s.co, s.ho, s.wo, s.kh, s.kw, s.sy, s.sx,
                                    s.py, s.px, s.dy, s.dx, groups, 1);
    });
    std::vector<double> g(x.begin(), x.end());
    for (size_t i = 0; i < g.size(); i++) g[i] = dx0[i];
    for (int n = 0; n < s.n; n++)
        for (int o = 0; o < s.co; o++)
            for (int oy = 0; oy < s.ho; oy++)
                for (int ox = 0; ox < s.wo; ox++)
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < s.kh; ky++)
                            for (int kx = 0; kx < s.kw; kx++) {
                                int iy = oy * s.sy - s.py + ky * s.dy, ix = ox * s.sx - s.px + kx * s.dx;
                                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                                int ci = o / og * cg + c;
                                g[((n * s.ci + ci) * s.h + iy) * s.w + ix] +=
                                        (double) w[((o * cg + c) * s.kh + ky) * s.kw + kx] * dyv[((n * s.co + o) * s.ho + oy) * s.wo + ox];
                            }
    check(std::string("engine_conv2d_backward_data ") + name, g, dx.data());
}

static void test_pool(const char* name, int planes, int h, int w, int k, int stride, int pad, int padEnd, int mode) {
    int ho = (h + pad + padEnd - k) / stride + 1, wo = (w + pad + padEnd - k) / stride + 1;
    auto x = randoms((size_t) planes * h * w);
    x[3] = x[4];   // a tie: the first maximum in window order wins, on both sides
    std::vector<float> y((size_t) planes * ho * wo);
    std::vector<int> argmax(y.size());
    emulate(grid1((long long) y.size()), B256, 0, [&] {
        engine_pool2d_forward(x.data(), y.data(), argmax.data(), planes, h, w, ho, wo, k, k, stride, stride, pad, pad, mode);
    });
    std::vector<double> e(y.size());
    std::vector<int> ea(y.size(), -1);
    auto count = [&](int oy, int ox, bool insideOnly) {
        if (!insideOnly) return k * k;
        int n = 0;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                n += iy >= 0 && iy < h && ix >= 0 && ix < w;
            }
        return n;
    };
    for (int p = 0; p < planes; p++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                double best = -INFINITY, sum = 0;
                int where = -1;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        double v = x[(p * h + iy) * w + ix];
                        if (v > best) {
                            best = v;
                            where = iy * w + ix;
                        }
                        sum += v;
                    }
                size_t o = ((size_t) p * ho + oy) * wo + ox;
                e[o] = mode == 0 ? best : sum / count(oy, ox, mode == 1);
                ea[o] = where;
            }
    const char* modes[] = {"max", "avg (inside taps)", "avg (all taps)"};
    check(std::string("engine_pool2d_forward ") + modes[mode] + " " + name, e, y.data());
    if (mode == 0) check_ints(std::string("engine_pool2d_forward argmax ") + name, ea, argmax.data());

    auto dy = randoms(y.size());
    std::vector<float> dx(x.size());
    emulate(grid1((long long) x.size()), B256, 0, [&] {
        engine_pool2d_backward(dy.data(), argmax.data(), dx.data(), planes, h, w, ho, wo, k, k, stride, stride, pad, pad, mode, 0);
    });
    std::vector<double> g(x.size(), 0.0);
    for (int p = 0; p < planes; p++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                size_t o = ((size_t) p * ho + oy) * wo + ox;
                if (mode == 0) {
                    if (ea[o] >= 0) g[(size_t) p * h * w + ea[o]] += dy[o];
                    continue;
                }
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        g[(p * h + iy) * w + ix] += dy[o] / count(oy, ox, mode == 1);
                    }
            }
    check(std::string("engine_pool2d_backward ") + modes[mode] + " " + name, g, dx.data());
}

static void test_global_pool() {
    int planes = 6, plane = 300;   // larger than a block, so every step of the tree runs
    auto x = randoms((size_t) planes * plane);
    x[1 * plane + 299] = x[1 * plane + 7] = 9.0f;   // a tie in plane 1: index 7 wins
    for (int mode = 0; mode < 3; mode++) {
        std::vector<float> y(planes);
        std::vector<int> argmax(planes);
        emulate(dim3{(unsigned) planes, 1, 1}, B256, 2 * 256 * sizeof(float), [&] {
            engine_global_pool_forward(x.data(), y.data(), argmax.data(), plane, mode);
        });
        std::vector<double> e(planes);
        std::vector<int> ea(planes);
        for (int p = 0; p < planes; p++) {
            double best = -INFINITY, sum = 0;
            for (int i = 0; i < plane; i++) {
                double v = x[(size_t) p * plane + i];
                if (v > best) {
                    best = v;
                    ea[p] = i;
                }
                sum += v;
            }
            e[p] = mode == 0 ? best : mode == 1 ? sum / plane : sum;
        }
        const char* names[] = {"max", "avg", "sum"};
        check(std::string("engine_global_pool_forward ") + names[mode], e, y.data());
        if (mode == 0) check_ints("engine_global_pool_forward argmax (ties: lowest)", ea, argmax.data());
        auto dy = randoms(planes);
        std::vector<float> dx((size_t) planes * plane);
        emulate(grid1((long long) dx.size()), B256, 0, [&] {
            engine_global_pool_backward(dy.data(), argmax.data(), dx.data(), planes, plane, mode, 0);
        });
        std::vector<double> g(dx.size());
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < plane; i++)
                g[(size_t) p * plane + i] = mode == 0 ? (i == ea[p] ? dy[p] : 0.0) : mode == 1 ? dy[p] / plane : dy[p];
        check(std::string("engine_global_pool_backward ") + names[mode], g, dx.data());
    }
}

static void test_affine_and_activations() {
    int n = 2, c = 3, plane = 50;
    long long total = (long long) n * c * plane;
    auto x = randoms(total), scale = randoms(c), shift = randoms(c), dy = randoms(total);
    const char* names[] = {"identity", "ReLU", "leaky ReLU", "sigmoid", "tanh", "clip [-0.5, 0.7]", "hard sigmoid", "hard swish"};
    // the second parameter: clip's maximum, hard sigmoid's offset (its slope is 0.3 as leaky ReLU's, clip's minimum -0.5)
    float slopes[] = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, -0.5f, 0.3f, 0.0f};
    float betas[] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.7f, 0.5f, 0.0f};
    for (int activation = 0; activation < 8; activation++) {
        float slope = slopes[activation], beta = betas[activation];
        std::vector<float> y(total), v(total);
        emulate(grid1(total), B256, 0, [&] {
            engine_channel_affine(x.data(), y.data(), total, c, plane, scale.data(), shift.data(), activation, slope, beta);
        });
        emulate(grid1(total), B256, 0, [&] { engine_channel_affine(x.data(), v.data(), total, c, plane, scale.data(), shift.data(), 0, 0.0f, 0.0f); });
        std::vector<double> e(total), g(total), gv(total);
        for (long long i = 0; i < total; i++) {
            int ch = (int) ((i / plane) % c);
            double u = (double) x[i] * scale[ch] + shift[ch];
            e[i] = activate(u, activation, slope, beta);
            // derivative from the definition, by a central difference of the double-precision activation
            double hstep = 1e-6;
            double d = (activate(u + hstep, activation, slope, beta) - activate(u - hstep, activation, slope, beta)) / (2 * hstep);
            if (activation == 1 || activation == 2) d = u > 0 ? 1 : (activation == 1 ? 0 : 0.3);
            g[i] = dy[i] * d * scale[ch];
            gv[i] = dy[i] * d;
        }
        check(std::string("engine_channel_affine ") + names[activation], e, y.data());
        if (activation != 7) {   // hard swish's derivative needs its input: engine_activation_backward_input below
            std::vector<float> dx(total);
            emulate(grid1(total), B256, 0, [&] {
                engine_channel_affine_backward(y.data(), dy.data(), dx.data(), total, c, plane, scale.data(), activation, slope, beta, 0, 0);
            });
            check(std::string("engine_channel_affine_backward ") + names[activation], g, dx.data(), 1e-4);
        }
        std::vector<float> dxv(total);
        emulate(grid1(total), B256, 0, [&] {
            engine_activation_backward_input(v.data(), dy.data(), dxv.data(), total, activation, slope, beta, 0, 0);
        });
        check(std::string("engine_activation_backward_input ") + names[activation], gv, dxv.data(), 1e-4);
    }
    // torch's kinks: clip and hard sigmoid pass nothing at their bounds, hard swish is x/3 + 1/2 at -3 and at 3
    {
        float at[] = {0.0f, 6.0f, -3.0f, 3.0f}, one[] = {1.0f, 1.0f, 1.0f, 1.0f};
        float clip[4], hs[4], hw[4];
        emulate(grid1(4), B256, 0, [&] {
            engine_activation_backward_input(at, one, clip, 4, 5, 0.0f, 6.0f, 0, 0);
            engine_activation_backward_input(at, one, hs, 4, 6, 1.0f / 6.0f, 0.5f, 0, 0);
            engine_activation_backward_input(at, one, hw, 4, 7, 0.0f, 0.0f, 0, 0);
        });
        bool ok = clip[0] == 0 && clip[1] == 0 && hs[2] == 0 && hs[3] == 0 && std::fabs(hs[0] - 1.0f / 6.0f) < 1e-7
                  && std::fabs(hw[2] + 0.5f) < 1e-6 && std::fabs(hw[3] - 1.5f) < 1e-6;
        failures += ok ? 0 : 1;
        std::printf("%-52s %s\n", "activation gradients at torch's kinks", ok ? "ok" : "MISMATCH");
    }
    // guided backprop: only positive gradients pass a ReLU, and only where its output is positive
    std::vector<float> y(total), dx(total);
    emulate(grid1(total), B256, 0, [&] { engine_channel_affine(x.data(), y.data(), total, 1, (int) total, nullptr, nullptr, 1, 0.0f, 0.0f); });
    emulate(grid1(total), B256, 0, [&] {
        engine_channel_affine_backward(y.data(), dy.data(), dx.data(), total, 1, (int) total, nullptr, 1, 0.0f, 0.0f, 1, 0);
    });
    std::vector<double> e(total);
    for (long long i = 0; i < total; i++) e[i] = (x[i] > 0 && dy[i] > 0) ? dy[i] : 0.0;
    check("engine_channel_affine_backward guided ReLU", e, dx.data());

    std::vector<float> sum(total), acc(dy.begin(), dy.end());
    emulate(grid1(total), B256, 0, [&] { engine_add(x.data(), dy.data(), sum.data(), total); });
    emulate(grid1(total), B256, 0, [&] { engine_copy(x.data(), acc.data(), total, 1); });
    for (long long i = 0; i < total; i++) e[i] = (double) x[i] + dy[i];
    check("engine_add", e, sum.data());
    check("engine_copy accumulate", e, acc.data());
}

static void test_transformer() {
    // attention scores of 2 inputs x 3 heads x 5 tokens x dim 4 inside [batch][tokens][heads * dim]: Q K^T / sqrt(d)
    int B = 2, H = 3, T = 5, D = 4, HD = H * D;
    auto q = randoms((size_t) B * T * HD), k = randoms((size_t) B * T * HD);
    std::vector<float> scores((size_t) B * H * T * T);
    float alpha = 0.5f;
    emulate(dim3{1, 1, (unsigned) (B * H)}, B256, 0, [&] {
        engine_gemm_batched(q.data(), HD, 1, (long long) T * HD, D, k.data(), 1, HD, (long long) T * HD, D, scores.data(), T,
                            (long long) H * T * T, (long long) T * T, H, T, T, D, alpha);
    });
    std::vector<double> e(scores.size());
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < T; i++)
                for (int j = 0; j < T; j++) {
                    double acc = 0;
                    for (int d = 0; d < D; d++) acc += (double) q[(b * T + i) * HD + h * D + d] * k[(b * T + j) * HD + h * D + d];
                    e[((size_t) (b * H + h) * T + i) * T + j] = alpha * acc;
                }
    check("engine_gemm_batched per-head Q K^T", e, scores.data());

    // softmax with a key mask: the last key of input 1 is padding
    std::vector<float> mask((size_t) B * T, 0.0f);
    mask[1 * T + 4] = -INFINITY;
    std::vector<float> probs(scores.size());
    int rows = B * H * T;
    emulate(dim3{(unsigned) rows, 1, 1}, B256, 256 * 4, [&] { engine_softmax_rows(scores.data(), probs.data(), T, mask.data(), H * T); });
    std::vector<double> ep(scores.size());
    for (int r = 0; r < rows; r++) {
        const float* m = mask.data() + (r / (H * T)) * T;
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < T; j++) mx = std::max(mx, (double) scores[r * T + j] + m[j]);
        for (int j = 0; j < T; j++) sum += std::exp(scores[r * T + j] + m[j] - mx);
        for (int j = 0; j < T; j++) ep[r * T + j] = std::exp(scores[r * T + j] + m[j] - mx) / sum;
    }
    check("engine_softmax_rows with a key mask", ep, probs.data());
    auto dy = randoms(probs.size());
    std::vector<float> dx(probs.size());
    emulate(dim3{(unsigned) rows, 1, 1}, B256, 256 * 4, [&] { engine_softmax_rows_backward(probs.data(), dy.data(), dx.data(), T); });
    std::vector<double> eg(probs.size());
    for (int r = 0; r < rows; r++) {
        double dot = 0;
        for (int j = 0; j < T; j++) dot += (double) dy[r * T + j] * ep[r * T + j];
        for (int j = 0; j < T; j++) eg[r * T + j] = ep[r * T + j] * (dy[r * T + j] - dot);
    }
    check("engine_softmax_rows_backward", eg, dx.data());

    // layer norm over rows of 384 (MiniLM's width: more than a block), against its definition and, for the backward,
    // against central differences of sum(dy * layer_norm(x)) in double
    int R = 3, C = 384;
    auto x = randoms((size_t) R * C), gamma = randoms(C), beta = randoms(C), g = randoms((size_t) R * C);
    for (auto& v : x) v = v * 2.0f + 0.5f;
    std::vector<float> y(x.size()), stats(2 * R), gx(x.size());
    float eps = 1e-12f;
    emulate(dim3{(unsigned) R, 1, 1}, B256, 256 * 4, [&] { engine_layer_norm(x.data(), y.data(), stats.data(), C, gamma.data(), beta.data(), eps); });
    auto norm = [&](const std::vector<double>& row, int c) {
        double mean = 0, var = 0;
        for (double v : row) mean += v;
        mean /= row.size();
        for (double v : row) var += (v - mean) * (v - mean);
        var /= row.size();
        return (row[c] - mean) / std::sqrt(var + eps);
    };
    std::vector<double> ey(x.size());
    for (int r = 0; r < R; r++) {
        std::vector<double> row(x.begin() + r * C, x.begin() + (r + 1) * C);
        for (int c = 0; c < C; c++) ey[r * C + c] = norm(row, c) * gamma[c] + beta[c];
    }
    check("engine_layer_norm 3x384", ey, y.data());
    emulate(dim3{(unsigned) R, 1, 1}, B256, 256 * 4, [&] {
        engine_layer_norm_backward(x.data(), stats.data(), g.data(), gx.data(), C, gamma.data(), 0);
    });
    std::vector<double> fd(x.size());
    for (int r = 0; r < R; r++) {
        std::vector<double> row(x.begin() + r * C, x.begin() + (r + 1) * C);
        auto objective = [&](const std::vector<double>& v) {
            double acc = 0;
            for (int c = 0; c < C; c++) acc += g[r * C + c] * norm(v, c) * gamma[c];
            return acc;
        };
        for (int c = 0; c < C; c++) {
            double h = 1e-5;
            std::vector<double> plus = row, minus = row;
            plus[c] += h;
            minus[c] -= h;
            fd[r * C + c] = (objective(plus) - objective(minus)) / (2 * h);
        }
    }
    check("engine_layer_norm_backward vs finite differences", fd, gx.data(), 1e-4);

    long long n = 200;
    auto gxin = randoms(n), gdy = randoms(n);
    std::vector<float> gy(n), gdx(n);
    emulate(grid1(n), B256, 0, [&] { engine_gelu(gxin.data(), gy.data(), n); });
    emulate(grid1(n), B256, 0, [&] { engine_gelu_backward(gxin.data(), gdy.data(), gdx.data(), n); });
    std::vector<double> egy(n), egd(n);
    auto gelu = [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); };
    for (long long i = 0; i < n; i++) {
        egy[i] = gelu(gxin[i]);
        egd[i] = gdy[i] * (gelu(gxin[i] + 1e-6) - gelu(gxin[i] - 1e-6)) / 2e-6;
    }
    check("engine_gelu (exact, erf)", egy, gy.data());
    check("engine_gelu_backward vs finite differences", egd, gdx.data(), 1e-4);

    // token + position embeddings: two gathers into one array
    int vocab = 30, width = 7, tokens = 6;
    auto table = randoms((size_t) vocab * width), positions = randoms((size_t) tokens * width);
    std::vector<int> ids = {3, 29, 0, 3, 17, 8}, pos = {0, 1, 2, 3, 4, 5};
    std::vector<float> emb((size_t) tokens * width);
    emulate(grid1((long long) emb.size()), B256, 0, [&] { engine_embedding_gather(ids.data(), table.data(), emb.data(), tokens, width, vocab, 0); });
    emulate(grid1((long long) emb.size()), B256, 0, [&] { engine_embedding_gather(pos.data(), positions.data(), emb.data(), tokens, width, tokens, 1); });
    std::vector<double> ee(emb.size());
    for (int t = 0; t < tokens; t++)
        for (int d = 0; d < width; d++) ee[t * width + d] = (double) table[ids[t] * width + d] + positions[pos[t] * width + d];
    check("engine_embedding_gather token + position", ee, emb.data());
}

static void test_layout_ops() {
    // zero padding (1 top, 2 left, 0 bottom, 1 right) and its backward, a crop added onto what dx held
    int planes = 3, h = 4, w = 5, oh = 5, ow = 8, top = 1, left = 2;
    auto x = randoms((size_t) planes * h * w);
    std::vector<float> y((size_t) planes * oh * ow);
    emulate(grid1((long long) y.size()), B256, 0, [&] { engine_pad2d(x.data(), y.data(), planes, h, w, oh, ow, top, left); });
    std::vector<double> e(y.size(), 0.0);
    for (int p = 0; p < planes; p++)
        for (int iy = 0; iy < h; iy++)
            for (int ix = 0; ix < w; ix++) e[((size_t) p * oh + iy + top) * ow + ix + left] = x[((size_t) p * h + iy) * w + ix];
    check("engine_pad2d", e, y.data());
    auto dy = randoms(y.size());
    auto dx0 = randoms(x.size());
    std::vector<float> dx = dx0;
    emulate(grid1((long long) x.size()), B256, 0, [&] { engine_crop2d(dy.data(), dx.data(), planes, h, w, oh, ow, top, left, 1); });
    std::vector<double> g(x.size());
    for (int p = 0; p < planes; p++)
        for (int iy = 0; iy < h; iy++)
            for (int ix = 0; ix < w; ix++)
                g[((size_t) p * h + iy) * w + ix] = dx0[((size_t) p * h + iy) * w + ix] + dy[((size_t) p * oh + iy + top) * ow + ix + left];
    check("engine_crop2d accumulate", g, dx.data());

    // concatenation of [2][3][plane] and [2][4][plane] into [2][7][plane], and the second part's gradient back out
    int n = 2, plane = 6;
    auto a = randoms((size_t) n * 3 * plane), b = randoms((size_t) n * 4 * plane);
    std::vector<float> joint((size_t) n * 7 * plane);
    emulate(grid1((long long) n * 3 * plane), B256, 0, [&] { engine_copy_channels(a.data(), joint.data(), n, 3, 0, 7, 0, 3, plane, 0); });
    emulate(grid1((long long) n * 4 * plane), B256, 0, [&] { engine_copy_channels(b.data(), joint.data(), n, 4, 0, 7, 3, 4, plane, 0); });
    std::vector<double> ej(joint.size());
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 7; c++)
            for (int p = 0; p < plane; p++)
                ej[((size_t) i * 7 + c) * plane + p] = c < 3 ? a[((size_t) i * 3 + c) * plane + p] : b[((size_t) i * 4 + c - 3) * plane + p];
    check("engine_copy_channels concatenation", ej, joint.data());
    std::vector<float> back((size_t) n * 4 * plane);
    emulate(grid1((long long) back.size()), B256, 0, [&] { engine_copy_channels(joint.data(), back.data(), n, 7, 3, 4, 0, 4, plane, 0); });
    std::vector<double> eb(b.begin(), b.end());
    check("engine_copy_channels slice back out", eb, back.data());

    // a transformer's heads out of its tokens, [2][3][4][5] -> [2][4][3][5], accumulated onto what the target held, and a
    // sample-independent [3][4][5] broadcast over the batch (stride 0)
    int tokens = 3, heads = 4, dim = 5, size = tokens * heads * dim;
    auto src = randoms((size_t) n * size), t0 = randoms((size_t) n * size);
    std::vector<float> heads_first = t0, repeated((size_t) n * size);
    emulate(grid1((long long) heads_first.size()), B256, 0, [&] {
        engine_strided_copy(src.data(), 0, heads_first.data(), (long long) heads_first.size(), n, heads, tokens, dim, 0, size, dim, heads * dim, 1, 1);
    });
    std::vector<double> ep(heads_first.size()), er(repeated.size());
    for (int i = 0; i < n; i++)
        for (int t = 0; t < tokens; t++)
            for (int h = 0; h < heads; h++)
                for (int d = 0; d < dim; d++)
                    ep[(((size_t) i * heads + h) * tokens + t) * dim + d] = t0[(((size_t) i * heads + h) * tokens + t) * dim + d]
                            + src[(((size_t) i * tokens + t) * heads + h) * dim + d];
    check("engine_strided_copy permutation, accumulated", ep, heads_first.data());
    emulate(grid1((long long) repeated.size()), B256, 0, [&] {
        engine_strided_copy(src.data(), 0, repeated.data(), (long long) repeated.size(), 1, 1, 1, size, 0, 0, 0, 0, 1, 0);
    });
    for (size_t i = 0; i < er.size(); i++) er[i] = src[i % size];
    check("engine_strided_copy broadcast over the batch", er, repeated.data());
}

static float tf32(float v) { return nvcuda::wmma::__float_to_tf32(v); }

// The tensor-core kernels: against a double reference over TF32-rounded operands (the arithmetic they promise: exact up
// to FP32 accumulation) and against the exact FP32 reference (what TF32 costs; measured, bounded at 2e-3)
static void test_tf32() {
    int M = 70, N = 67, K = 37;
    auto a = randoms((size_t) M * K), b = randoms((size_t) K * N), bias = randoms(N);
    std::vector<float> c((size_t) M * N);
    emulate(tiles(N, M), B256, 0, [&] {
        engine_gemm_tf32(a.data(), K, 1, b.data(), N, 1, c.data(), N, M, N, K, bias.data(), 0, 0, 0.0f, 0);
    });
    std::vector<double> rounded((size_t) M * N), exact((size_t) M * N);
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double r = bias[n], x = bias[n];
            for (int k = 0; k < K; k++) {
                r += (double) tf32(a[m * K + k]) * tf32(b[k * N + n]);
                x += (double) a[m * K + k] * b[k * N + n];
            }
            rounded[(size_t) m * N + n] = r;
            exact[(size_t) m * N + n] = x;
        }
    check("engine_gemm_tf32 vs TF32-rounded operands", rounded, c.data());
    check("engine_gemm_tf32 vs exact FP32 (TF32's cost)", exact, c.data(), 2e-3);

    Conv s = conv(2, 5, 9, 7, 70, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
    auto x = randoms((size_t) s.n * s.ci * s.h * s.w);
    auto w = randoms((size_t) s.co * s.ci * s.kh * s.kw);
    auto scale = randoms(s.co), shift = randoms(s.co);
    std::vector<float> y((size_t) s.n * s.co * s.ho * s.wo);
    emulate(tiles((long long) s.n * s.ho * s.wo, s.co), B256, 0, [&] {
        engine_conv2d_forward_tf32(x.data(), w.data(), y.data(), s.n, s.ci, s.h, s.w, s.co, s.ho, s.wo, s.kh, s.kw, s.sy, s.sx, s.py, s.px,
                                   s.dy, s.dx, 1, scale.data(), shift.data(), 0, 0.0f, 0.0f);
    });
    std::vector<double> er(y.size()), ex(y.size());
    auto dy = randoms(y.size());
    std::vector<double> gr(x.size(), 0.0), gx(x.size(), 0.0);
    for (int n = 0; n < s.n; n++)
        for (int o = 0; o < s.co; o++)
            for (int oy = 0; oy < s.ho; oy++)
                for (int ox = 0; ox < s.wo; ox++) {
                    double r = 0, e = 0;
                    size_t out = ((size_t) (n * s.co + o) * s.ho + oy) * s.wo + ox;
                    for (int c = 0; c < s.ci; c++)
                        for (int ky = 0; ky < s.kh; ky++)
                            for (int kx = 0; kx < s.kw; kx++) {
                                int iy = oy * s.sy - s.py + ky * s.dy, ix = ox * s.sx - s.px + kx * s.dx;
                                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                                size_t in = ((size_t) (n * s.ci + c) * s.h + iy) * s.w + ix;
                                float wv = w[((o * s.ci + c) * s.kh + ky) * s.kw + kx];
                                r += (double) tf32(wv) * tf32(x[in]);
                                e += (double) wv * x[in];
                                gr[in] += (double) tf32(wv) * tf32(dy[out]);
                                gx[in] += (double) wv * dy[out];
                            }
                    er[out] = r * scale[o] + shift[o];
                    ex[out] = e * scale[o] + shift[o];
                }
    check("engine_conv2d_forward_tf32 vs TF32-rounded operands", er, y.data());
    check("engine_conv2d_forward_tf32 vs exact FP32", ex, y.data(), 2e-3);
    std::vector<float> g(x.size());
    emulate(tiles((long long) s.n * s.h * s.w, s.ci), B256, 0, [&] {
        engine_conv2d_backward_data_tf32(dy.data(), w.data(), g.data(), s.n, s.ci, s.h, s.w, s.co, s.ho, s.wo, s.kh, s.kw, s.sy, s.sx,
                                         s.py, s.px, s.dy, s.dx, 1, 0);
    });
    check("engine_conv2d_backward_data_tf32 vs TF32-rounded", gr, g.data());
    check("engine_conv2d_backward_data_tf32 vs exact FP32", gx, g.data(), 2e-3);
    // grouped (depthwise with multiplier 2): the TF32 twins take groups as the FP32 kernels do
    {
        Conv d = conv(2, 4, 7, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
        int groups = 4, cg = 1, og = 2;
        auto xd = randoms((size_t) d.n * d.ci * d.h * d.w), wd = randoms((size_t) d.co * cg * d.kh * d.kw);
        std::vector<float> yd((size_t) d.n * d.co * d.ho * d.wo);
        auto dyd = randoms(yd.size());
        std::vector<float> gd(xd.size());
        dim3 fg = tiles((long long) d.n * d.ho * d.wo, og), bg = tiles((long long) d.n * d.h * d.w, cg);
        fg.z = groups;
        bg.z = groups;
        emulate(fg, B256, 0, [&] {
            engine_conv2d_forward_tf32(xd.data(), wd.data(), yd.data(), d.n, d.ci, d.h, d.w, d.co, d.ho, d.wo, d.kh, d.kw, d.sy, d.sx, d.py,
                                       d.px, d.dy, d.dx, groups, nullptr, nullptr, 0, 0.0f, 0.0f);
        });
        emulate(bg, B256, 0, [&] {
            engine_conv2d_backward_data_tf32(dyd.data(), wd.data(), gd.data(), d.n, d.ci, d.h, d.w, d.co, d.ho, d.wo, d.kh, d.kw, d.sy, d.sx,
                                             d.py, d.px, d.dy, d.dx, groups, 0);
        });
        std::vector<double> ey(yd.size(), 0.0), eg(xd.size(), 0.0);
        for (int n = 0; n < d.n; n++)
            for (int o = 0; o < d.co; o++)
                for (int oy = 0; oy < d.ho; oy++)
                    for (int ox = 0; ox < d.wo; ox++)
                        for (int ky = 0; ky < d.kh; ky++)
                            for (int kx = 0; kx < d.kw; kx++) {
                                int iy = oy - d.py + ky, ix = ox - d.px + kx;
                                if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) continue;
                                size_t in = ((size_t) (n * d.ci + o / og) * d.h + iy) * d.w + ix;
                                size_t out = ((size_t) (n * d.co + o) * d.ho + oy) * d.wo + ox;
                                double wv = tf32(wd[(o * d.kh + ky) * d.kw + kx]);
                                ey[out] += wv * tf32(xd[in]);
                                eg[in] += wv * tf32(dyd[out]);
                            }
        check("engine_conv2d_forward_tf32 depthwise x2 vs TF32-rounded", ey, yd.data());
        check("engine_conv2d_backward_data_tf32 depthwise x2 vs TF32-rounded", eg, gd.data());
    }
    // the rounding itself: ties away from zero at the 13th bit, infinities untouched
    bool ok = tf32(1.0f + 0x1p-11f) == 1.0f + 0x1p-10f && tf32(-(1.0f + 0x1p-11f)) == -(1.0f + 0x1p-10f)
              && tf32(1.0f + 0x1p-12f) == 1.0f && tf32(INFINITY) == INFINITY;
    failures += ok ? 0 : 1;
    std::printf("%-52s %s\n", "TF32 rounding (nearest, ties away)", ok ? "ok" : "MISMATCH");
}

// out = a * b broadcast per plane and per element, the gradient of a (accumulated), and of b by a per-plane reduction
static void test_multiply() {
    int planes = 6, plane = 300;   // more values per plane than threads per block
    long long total = (long long) planes * plane;
    auto a = randoms(total), gate = randoms(planes), same = randoms(total), dy = randoms(total), acc0 = randoms(total);
    std::vector<float> y(total), ys(total), da = acc0, db(planes), dbs(total);
    emulate(grid1(total), B256, 0, [&] {
        engine_multiply(a.data(), gate.data(), y.data(), total, plane, 0);
        engine_multiply(a.data(), same.data(), ys.data(), total, 1, 0);
        engine_multiply(dy.data(), gate.data(), da.data(), total, plane, 1);
        engine_multiply(dy.data(), a.data(), dbs.data(), total, 1, 0);
    });
    emulate(dim3{(unsigned) planes, 1, 1}, B256, 256 * sizeof(float), [&] { engine_multiply_reduce(a.data(), dy.data(), db.data(), plane, 0); });
    std::vector<double> e(total), es(total), ea(total), eb(planes, 0.0), ebs(total);
    for (long long i = 0; i < total; i++) {
        e[i] = (double) a[i] * gate[i / plane];
        es[i] = (double) a[i] * same[i];
        ea[i] = acc0[i] + (double) dy[i] * gate[i / plane];
        eb[i / plane] += (double) dy[i] * a[i];
        ebs[i] = (double) dy[i] * a[i];
    }
    check("engine_multiply per plane (squeeze-and-excitation)", e, y.data());
    check("engine_multiply same shape (SiLU)", es, ys.data());
    check("engine_multiply gradient of a, accumulated", ea, da.data());
    check("engine_multiply_reduce gradient of the gate", eb, db.data(), 1e-5);
    check("engine_multiply gradient of b, same shape", ebs, dbs.data());
}

int main() {
    test_gemm();
    // 3x3 stride 2 with Same padding on 8x6: one row and one column of padding, both at the bottom and right
    test_conv("3x3 s2 Same 8x6", conv(2, 3, 8, 6, 5, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1), 1, true);
    test_conv("3x3 s2 pad 1 9x7", conv(2, 3, 9, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), 1, true);
    test_conv("3x3 s1 dilation 2 pad 2", conv(2, 4, 8, 6, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2), 2, true);
    test_conv("5x3 s(2,1) Truncate 11x6", conv(1, 2, 11, 6, 70, 5, 3, 2, 1, 0, 0, 0, 0, 1, 1), 0, false);
    test_conv("1x1 s2 projection, 68 channels", conv(2, 68, 5, 5, 9, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1), 4, true);
    test_conv("3x3 depthwise s2 pad 1 + ReLU6-like clip", conv(2, 6, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), 5, true, 6);
    test_conv("3x3 depthwise x2 multiplier dilation 2", conv(2, 4, 8, 6, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2), 6, true, 4);
    test_conv("3x3 2 groups of 35, 70 outputs", conv(1, 70, 6, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), 0, false, 2);
    for (int mode = 0; mode < 3; mode++) {
        test_pool("3x3 s2 pad 1, 9x7", 4, 9, 7, 3, 2, 1, 1, mode);
        test_pool("2x2 s2, 8x8", 3, 8, 8, 2, 2, 0, 0, mode);
    }
    test_global_pool();
    test_affine_and_activations();
    test_multiply();
    test_transformer();
    test_layout_ops();
    test_tf32();
    std::printf("%s\n", failures == 0 ? "all engine kernels agree" : "SOME ENGINE KERNELS DISAGREE");
    return failures == 0 ? 0 : 1;
}
