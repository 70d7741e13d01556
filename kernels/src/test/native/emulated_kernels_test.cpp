// Runs Heed's CUDA kernels under the CPU emulator against plain double-precision references written from the Backend
// contract (the same rules as the Java CPU backend), with the launch shapes CudaBackend uses. Prints one line per
// check; exit code 1 when any disagrees.
#include "cuda_emulator.h"
#include <cstdio>
#include <random>

#include "map_ops.inc"
#include "attention.inc"
#include "select.inc"

static int failures = 0;
static std::mt19937 rng(7);

static std::vector<float> randoms(size_t n) {
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

static void check(const char* what, const std::vector<double>& expected, const float* actual) {
    double scale = 0, worst = 0;
    for (double e : expected) scale = std::max(scale, std::fabs(e));
    for (size_t i = 0; i < expected.size(); i++) {
        double d = std::fabs(expected[i] - actual[i]) / std::max(std::max(std::fabs(expected[i]), scale), 1e-30);
        worst = std::isnan(d) ? INFINITY : std::max(worst, d);
    }
    bool ok = worst <= 1e-5;
    failures += ok ? 0 : 1;
    std::printf("%-34s %s (largest relative difference %.2e)\n", what, ok ? "ok" : "MISMATCH", worst);
}

static dim3 grid1(long long threads) { return dim3{(unsigned) ((threads + 255) / 256), 1, 1}; }
static const dim3 B256{256, 1, 1};

int main() {
    int n = 2, c = 5, h = 3, w = 4, plane = h * w;
    auto f = randoms(n * c * plane);
    auto g = randoms(n * c * plane);
    for (int r = 0; r < 4; r++) {
        std::vector<float> out(n * plane);
        emulate(grid1(n * plane), B256, 0, [&] { reduce_channels(f.data(), out.data(), n, c, plane, r); });
        std::vector<double> e(n * plane);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++) {
                double acc = 0;
                for (int k = 0; k < c; k++) {
                    double v = f[(i * c + k) * plane + p];
                    acc = r == 0 ? std::max(acc, std::fabs(v)) : r == 1 ? acc + std::fabs(v) : r == 2 ? acc + v : acc + v * v;
                }
                e[i * plane + p] = r == 3 ? std::sqrt(acc) : acc;
            }
        const char* names[] = {"reduce_channels max|g|", "reduce_channels sum|g|", "reduce_channels sum g", "reduce_channels l2"};
        check(names[r], e, out.data());
    }
    // the block reductions need maps larger than a block (256 threads) to exercise every step of the tree
    int big = 300;
    auto bigA = randoms(n * c * big);
    for (auto& v : bigA) v = std::fabs(v);   // activations after a ReLU, as Grad-CAM++ sees them
    auto bigG = randoms(n * c * big);
    {
        std::vector<float> out(n * c);
        emulate(dim3{(unsigned) (n * c), 1, 1}, B256, 256 * 4, [&] { channel_means(bigG.data(), out.data(), big); });
        std::vector<double> e(n * c);
        for (int k = 0; k < n * c; k++) {
            double s = 0;
            for (int p = 0; p < big; p++) s += bigG[k * big + p];
            e[k] = s / big;
        }
        check("channel_means", e, out.data());
    }
    {
        std::vector<float> out(n * c);
        emulate(dim3{(unsigned) (n * c), 1, 1}, B256, 256 * 4, [&] { gradcampp_weights(bigA.data(), bigG.data(), out.data(), big); });
        std::vector<double> e(n * c);
        for (int k = 0; k < n * c; k++) {
            double sumA = 0, acc = 0;
            for (int p = 0; p < big; p++) sumA += bigA[k * big + p];
            for (int p = 0; p < big; p++) {
                double gg = bigG[k * big + p], g2 = gg * gg, den = 2 * g2 + sumA * g2 * gg;
                acc += (den != 0 ? g2 / den : 0) * std::max(gg, 0.0);
            }
            e[k] = acc;
        }
        check("gradcampp_weights", e, out.data());
    }
    for (int relu = 0; relu < 2; relu++) {
        auto weights = randoms(n * c);
        std::vector<float> out(n * plane);
        emulate(grid1(n * plane), B256, 0, [&] { weighted_channel_sum(f.data(), weights.data(), out.data(), n, c, plane, relu); });
        std::vector<double> e(n * plane);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++) {
                double acc = 0;
                for (int k = 0; k < c; k++) acc += (double) weights[i * c + k] * f[(i * c + k) * plane + p];
                e[i * plane + p] = relu ? std::max(acc, 0.0) : acc;
            }
        check(relu ? "weighted_channel_sum relu" : "weighted_channel_sum", e, out.data());
    }
    int oh = 7, ow = 9;
    std::vector<float> up(n * oh * ow);
    {
        emulate(grid1(n * oh * ow), B256, 0, [&] { upsample_bilinear(f.data(), up.data(), n, h, w, oh, ow); });
        std::vector<double> e(n * oh * ow);
        for (int i = 0; i < n; i++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    double sy = std::max((y + 0.5) * h / oh - 0.5, 0.0), sx = std::max((x + 0.5) * w / ow - 0.5, 0.0);
                    int y0 = std::min((int) sy, h - 1), x0 = std::min((int) sx, w - 1);
                    int y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
                    double fy = sy - y0, fx = sx - x0;
                    const float* m = f.data() + i * plane;
                    double top = m[y0 * w + x0] * (1 - fx) + m[y0 * w + x1] * fx;
                    double bottom = m[y1 * w + x0] * (1 - fx) + m[y1 * w + x1] * fx;
                    e[(i * oh + y) * ow + x] = top * (1 - fy) + bottom * fy;
                }
        check("upsample_bilinear 3x4 -> 7x9", e, up.data());
    }
    {
        // a large source map: source coordinates must be computed in double to stay within 1e-5 of the reference
        int sh = 250, sw = 250, th = 224, tw = 224;
        auto src = randoms(sh * sw);
        std::vector<float> out(th * tw);
        emulate(grid1(th * tw), B256, 0, [&] { upsample_bilinear(src.data(), out.data(), 1, sh, sw, th, tw); });
        std::vector<double> e(th * tw);
        double scaleY = (double) sh / th, scaleX = (double) sw / tw;
        for (int y = 0; y < th; y++)
            for (int x = 0; x < tw; x++) {
                double sy = std::max((y + 0.5) * scaleY - 0.5, 0.0), sx = std::max((x + 0.5) * scaleX - 0.5, 0.0);
                int y0 = std::min((int) sy, sh - 1), x0 = std::min((int) sx, sw - 1);
                int y1 = std::min(y0 + 1, sh - 1), x1 = std::min(x0 + 1, sw - 1);
                double fy = sy - y0, fx = sx - x0;
                double top = src[y0 * sw + x0] * (1 - fx) + src[y0 * sw + x1] * fx;
                double bottom = src[y1 * sw + x0] * (1 - fx) + src[y1 * sw + x1] * fx;
                e[y * tw + x] = top * (1 - fy) + bottom * fy;
            }
        check("upsample_bilinear 250x250 -> 224", e, out.data());
    }
    int pixels = oh * ow;
    std::vector<float> range(2 * n);
    {
        emulate(dim3{(unsigned) n, 1, 1}, B256, 2 * 256 * 4, [&] { min_max(up.data(), range.data(), pixels); });
        std::vector<double> e(2 * n);
        for (int i = 0; i < n; i++) {
            e[2 * i] = *std::min_element(up.begin() + i * pixels, up.begin() + (i + 1) * pixels);
            e[2 * i + 1] = *std::max_element(up.begin() + i * pixels, up.begin() + (i + 1) * pixels);
        }
        check("min_max", e, range.data());
        std::vector<float> bigRange(2 * n * c);
        emulate(dim3{(unsigned) (n * c), 1, 1}, B256, 2 * 256 * 4, [&] { min_max(bigG.data(), bigRange.data(), big); });
        std::vector<double> be(2 * n * c);
        for (int i = 0; i < n * c; i++) {
            be[2 * i] = *std::min_element(bigG.begin() + i * big, bigG.begin() + (i + 1) * big);
            be[2 * i + 1] = *std::max_element(bigG.begin() + i * big, bigG.begin() + (i + 1) * big);
        }
        check("min_max, 300-pixel maps", be, bigRange.data());
    }
    std::vector<float> unit(n * pixels);
    {
        std::vector<float> lo = {range[0], range[2]}, hi = {range[1], range[3]};
        emulate(grid1(n * pixels), B256, 0, [&] { normalize(up.data(), lo.data(), hi.data(), unit.data(), n, pixels); });
        std::vector<double> e(n * pixels);
        for (int i = 0; i < n * pixels; i++) {
            int img = i / pixels;
            double r = hi[img] - lo[img];
            e[i] = r > 0 ? std::min(std::max((up[i] - lo[img]) / r, 0.0), 1.0) : 0;
        }
        check("normalize", e, unit.data());
    }
    {
        std::vector<int> images(n * pixels), lut(256), out(n * pixels);
        std::uniform_int_distribution<int> colour(0, (1 << 24) - 1);
        for (auto& v : images) v = colour(rng);
        for (auto& v : lut) v = colour(rng);
        float alpha = 0.35f;
        emulate(grid1(n * pixels), B256, 0, [&] { colorize_blend(unit.data(), images.data(), lut.data(), out.data(), n * pixels, alpha); });
        int worst = 0;
        for (int i = 0; i < n * pixels; i++) {
            int index = std::min(255, std::max(0, (int) std::floor(unit[i] * 256.0)));
            for (int shift = 0; shift <= 16; shift += 8) {
                long expected = std::lround(std::floor((1 - alpha) * ((images[i] >> shift) & 0xFF) + alpha * ((lut[index] >> shift) & 0xFF) + 0.5));
                worst = std::max(worst, (int) std::labs(expected - ((out[i] >> shift) & 0xFF)));
            }
        }
        failures += worst <= 1 ? 0 : 1;
        std::printf("%-34s %s (largest difference %d levels)\n", "colorize_blend", worst <= 1 ? "ok" : "MISMATCH", worst);
    }
    {
        // the fused overlay: its on-the-fly range must equal min_max of upsample_bilinear's output, and its pixels
        // the normalise + colorize_blend of that output
        std::vector<float> fusedRange(2 * n);
        emulate(dim3{(unsigned) n, 1, 1}, B256, 2 * 256 * 4, [&] { upsampled_min_max(f.data(), fusedRange.data(), h, w, oh, ow); });
        std::vector<double> e(range.begin(), range.end());
        check("upsampled_min_max", e, fusedRange.data());
        std::vector<int> images(n * pixels), lut(256), fused(n * pixels), separate(n * pixels);
        std::uniform_int_distribution<int> colour(0, (1 << 24) - 1);
        for (auto& v : images) v = colour(rng);
        for (auto& v : lut) v = colour(rng);
        emulate(grid1(n * pixels), B256, 0, [&] { overlay_fused(f.data(), fusedRange.data(), images.data(), lut.data(), fused.data(), n, h, w, oh, ow, 0.6f); });
        emulate(grid1(n * pixels), B256, 0, [&] { colorize_blend(unit.data(), images.data(), lut.data(), separate.data(), n * pixels, 0.6f); });
        int worst = 0;
        for (int i = 0; i < n * pixels; i++)
            for (int shift = 0; shift <= 16; shift += 8) worst = std::max(worst, std::abs(((fused[i] >> shift) & 0xFF) - ((separate[i] >> shift) & 0xFF)));
        failures += worst <= 1 ? 0 : 1;
        std::printf("%-34s %s (largest difference %d levels)\n", "overlay_fused vs the separate ops", worst <= 1 ? "ok" : "MISMATCH", worst);
    }
    int an = 3, heads = 1, tokens = 150, d = 4;       // more tokens than the 128 threads of a row
    auto q = randoms(an * heads * tokens * d);
    auto k = randoms(an * heads * tokens * d);
    std::vector<float> mask(an * tokens, 1.0f);
    mask[tokens + 4] = 0.0f;                                        // image 1: one key masked
    std::fill(mask.begin() + 2 * tokens, mask.end(), 0.0f);         // image 2: every key masked
    std::vector<float> probs(an * heads * tokens * tokens);
    {
        float scale = 0.5f;
        emulate(dim3{(unsigned) (an * heads * tokens), 1, 1}, dim3{128, 1, 1}, (tokens + 128) * 4,
                [&] { attention_probabilities(q.data(), k.data(), mask.data(), probs.data(), heads, tokens, d, scale); });
        std::vector<double> e(probs.size());
        for (int row = 0; row < an * heads * tokens; row++) {
            int image = row / tokens / heads, query = row % tokens, ih = row / tokens;
            std::vector<double> logits(tokens);
            double best = -INFINITY;
            for (int key = 0; key < tokens; key++) {
                if (mask[image * tokens + key] == 0) { logits[key] = -INFINITY; continue; }
                double dot = 0;
                for (int j = 0; j < d; j++) dot += (double) q[(ih * tokens + query) * d + j] * k[(ih * tokens + key) * d + j];
                logits[key] = dot * scale;
                best = std::max(best, logits[key]);
            }
            double total = 0;
            for (int key = 0; key < tokens; key++) total += best == -INFINITY ? 0 : std::exp(logits[key] - best);
            for (int key = 0; key < tokens; key++) e[(long) row * tokens + key] = best == -INFINITY ? 0 : std::exp(logits[key] - best) / total;
        }
        check("attention_probabilities (masked)", e, probs.data());
    }
    int square = tokens * tokens;
    for (int fusion = 0; fusion < 4; fusion++) {
        std::vector<float> out(an * square);
        emulate(grid1(an * square), B256, 0, [&] { fuse_heads(probs.data(), out.data(), an, heads, square, fusion); });
        std::vector<double> e(an * square);
        for (int i = 0; i < an; i++)
            for (int p = 0; p < square; p++) {
                double acc = fusion == 1 ? -INFINITY : fusion == 2 ? INFINITY : 0;
                for (int hh = 0; hh < heads; hh++) {
                    double v = probs[(i * heads + hh) * square + p];
                    acc = fusion == 0 ? acc + v : fusion == 1 ? std::max(acc, v) : fusion == 2 ? std::min(acc, v) : acc + std::max(v, 0.0);
                }
                e[i * square + p] = (fusion == 0 || fusion == 3) ? acc / heads : acc;
            }
        const char* names[] = {"fuse_heads mean", "fuse_heads max", "fuse_heads min", "fuse_heads mean of positive"};
        check(names[fusion], e, out.data());
    }
    for (int renormalise = 0; renormalise < 2; renormalise++) {
        int rn = 2, layers = 3, t = 20, sq = t * t;       // 20 is not a multiple of the 16 x 16 tiles
        auto a = randoms(rn * layers * sq);
        for (auto& v : a) v = std::fabs(v) / t;
        std::vector<float> mixing(a.size()), chain(rn * sq), next(rn * sq);
        emulate(dim3{(unsigned) (rn * layers * t), 1, 1}, B256, 256 * 4, [&] { residual_mix(a.data(), mixing.data(), t, renormalise); });
        emulate(grid1(rn * sq), B256, 0, [&] { identity(chain.data(), rn, t); });
        float* current = chain.data();
        float* other = next.data();
        unsigned tiles = (t + 15) / 16;
        for (int l = 0; l < layers; l++) {
            const float* left = mixing.data() + (long) l * sq;
            emulate(dim3{tiles, tiles, (unsigned) rn}, dim3{16, 16, 1}, 0,
                    [&] { batched_matmul(left, current, other, t, (long long) layers * sq, sq); });
            std::swap(current, other);
        }
        std::vector<double> e(rn * sq);
        for (int i = 0; i < rn; i++) {
            std::vector<double> r(sq, 0.0);
            for (int j = 0; j < t; j++) r[j * t + j] = 1;
            for (int l = 0; l < layers; l++) {
                std::vector<double> m(sq);
                for (int row = 0; row < t; row++) {
                    double s = 0;
                    for (int col = 0; col < t; col++) {
                        m[row * t + col] = a[((long) (i * layers + l)) * sq + row * t + col] + (row == col ? 1 : 0);
                        s += m[row * t + col];
                    }
                    if (renormalise) for (int col = 0; col < t; col++) m[row * t + col] /= s;
                }
                std::vector<double> out(sq, 0.0);
                for (int row = 0; row < t; row++)
                    for (int mid = 0; mid < t; mid++)
                        for (int col = 0; col < t; col++) out[row * t + col] += m[row * t + mid] * r[mid * t + col];
                r = out;
            }
            std::copy(r.begin(), r.end(), e.begin() + i * sq);
        }
        check(renormalise ? "rollout (A+I)/rowsum, 3 layers, t=20" : "rollout A+I, 3 layers, t=20", e, current);
    }
    {
        // order statistics of maps bigger than a block, with ties, both zeros, infinities and a NaN (sorted last)
        int sn = 3, pixels = 1000;
        auto maps = randoms(sn * pixels);
        for (int p = 0; p < 200; p++) maps[pixels + p] = 0.25f;          // map 1: a fifth of it one value
        maps[2 * pixels + 1] = -0.0f;
        maps[2 * pixels + 2] = 0.0f;
        maps[2 * pixels + 3] = INFINITY;
        maps[2 * pixels + 4] = -INFINITY;
        maps[2 * pixels + 5] = NAN;
        std::vector<int> ranks = {0, 1, 9, 500, 998, 999};
        std::vector<float> out(sn * ranks.size());
        emulate(dim3{(unsigned) sn, 6, 1}, B256, 0, [&] { select_ranks(maps.data(), ranks.data(), out.data(), pixels, 6); });
        int wrong = 0;
        for (int m = 0; m < sn; m++) {
            std::vector<float> sorted(maps.begin() + m * pixels, maps.begin() + (m + 1) * pixels);
            std::stable_sort(sorted.begin(), sorted.end(), [](float a, float b) {
                if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
                if (a == b) return std::signbit(a) && !std::signbit(b);
                return a < b;
            });
            for (int r = 0; r < 6; r++) {
                float e = sorted[ranks[r]], a = out[m * 6 + r];
                bool same = std::memcmp(&e, &a, 4) == 0 || (std::isnan(e) && std::isnan(a));
                wrong += same ? 0 : 1;
            }
        }
        failures += wrong == 0 ? 0 : 1;
        std::printf("%-34s %s (%d of %d order statistics differ in any bit)\n", "select_ranks", wrong == 0 ? "ok" : "MISMATCH", wrong,
                    (int) out.size());
    }
    {
        // the smallest off-diagonal entries zeroed, ties to the lower index first; t = 23 so a matrix spans 3 chunks
        int mats = 3, t = 23, sq = t * t;
        auto a = randoms(mats * sq);
        for (auto& v : a) v = std::fabs(v);
        for (int p = 0; p < sq; p += 3) a[sq + p] = 0.0f;   // matrix 1: a third zeros, as masked tokens give
        for (int p = 0; p < sq; p += 2) a[2 * sq + p] = 0.5f; // matrix 2: half of it one value
        int wrong = 0;
        for (long long discard : {1LL, 100LL, 253LL, 505LL}) {
            auto m = a;
            emulate(dim3{(unsigned) mats, 1, 1}, B256, 0, [&] { discard_smallest(m.data(), t, discard); });
            for (int k = 0; k < mats; k++) {
                std::vector<int> order;
                for (int p = 0; p < sq; p++) if (p / t != p % t) order.push_back(p);
                std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return a[k * sq + x] < a[k * sq + y]; });
                std::vector<float> e(a.begin() + k * sq, a.begin() + (k + 1) * sq);
                for (long long r = 0; r < discard; r++) e[order[r]] = 0.0f;
                for (int p = 0; p < sq; p++) wrong += e[p] == m[k * sq + p] ? 0 : 1;
            }
        }
        failures += wrong == 0 ? 0 : 1;
        std::printf("%-34s %s (%d entries differ)\n", "discard_smallest (with ties)", wrong == 0 ? "ok" : "MISMATCH", wrong);
    }
    std::printf(failures == 0 ? "all kernels agree with the references under emulation\n" : "%d kernel checks FAILED\n", failures);
    return failures == 0 ? 0 : 1;
}
