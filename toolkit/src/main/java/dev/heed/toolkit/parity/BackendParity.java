package dev.heed.toolkit.parity;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.Features;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.HeadVectors;
import dev.heed.toolkit.backend.KeyMask;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.TokenMatrices;
import dev.heed.toolkit.render.Colormap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Every op of a candidate backend against the reference on seeded random inputs at real sizes (ResNet CAM inputs,
 * 224x224 overlays, ViT-B/16 and BERT-sized attention). Float results may differ by {@code 1e-5} relative to the
 * larger of the value and the result's largest magnitude (float against double accumulation); colours by one level.
 * Used by the CUDA parity tests and by the portable GPU bundle's {@code run.sh test}.
 */
public final class BackendParity {
    /** One op's outcome: the largest relative difference seen and whether it is within the bound. */
    public record Result(String op, double worst, boolean passed) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-40s %s (largest difference %.2e)", op, passed ? "ok" : "MISMATCH", worst);
        }
    }

    private static final double FLOAT_BOUND = 1e-5;
    private final Backend reference;
    private final Backend candidate;
    private final Random random = new Random(11);
    private final List<Result> results = new ArrayList<>();

    private BackendParity(Backend reference, Backend candidate) {
        this.reference = reference;
        this.candidate = candidate;
    }

    public static List<Result> compare(Backend reference, Backend candidate) {
        BackendParity p = new BackendParity(reference, candidate);
        p.camOps();
        p.residentOps();
        p.overlayOps();
        p.attentionOps();
        return List.copyOf(p.results);
    }

    private float[] random(int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    private void floats(String op, float[] expected, float[] actual) {
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = expected.length == actual.length ? 0 : Double.POSITIVE_INFINITY;
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            double d = Math.abs(expected[i] - actual[i]) / Math.max(Math.max(Math.abs(expected[i]), scale), 1e-30);
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
        }
        results.add(new Result(op, worst, worst <= FLOAT_BOUND));
    }

    private void camOps() {
        int n = 8, c = 2048, h = 7, w = 7;
        float[] a = random(n * c * h * w);
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(a[i]); // activations after a ReLU: Grad-CAM++'s alpha is ill-conditioned for negative sums
        }
        Features activations = new Features(a, n, c, h, w);
        Features g = new Features(random(n * c * h * w), n, c, h, w);
        for (ChannelReduction r : ChannelReduction.values()) {
            floats("reduceChannels " + r + " [8][2048][7][7]", reference.reduceChannels(g, r).values(), candidate.reduceChannels(g, r).values());
        }
        floats("channelMeans [8][2048][7][7]", reference.channelMeans(g), candidate.channelMeans(g));
        floats("gradCamPlusPlusWeights [8][2048][7][7]", reference.gradCamPlusPlusWeights(activations, g),
                candidate.gradCamPlusPlusWeights(activations, g));
        float[] weights = random(n * c);
        floats("weightedChannelSum relu [8][2048][7][7]", reference.weightedChannelSum(activations, weights, true).values(),
                candidate.weightedChannelSum(activations, weights, true).values());
    }

    /**
     * The resident ops, chained in the candidate's own scope as a method chains them (on a GPU: device buffers, with
     * the model pass's hand-over in between), against the reference's ops on the same values: a CAM at ResNet's layer
     * 4, Integrated Gradients' step sum, division and product with the input, and SmoothGrad's noise at 224x224.
     */
    private void residentOps() {
        int n = 8, c = 2048, h = 7, w = 7;
        float[] a = random(n * c * h * w);
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(a[i]);
        }
        float[] g = random(n * c * h * w);
        Features activations = new Features(a, n, c, h, w);
        Features gradients = new Features(g, n, c, h, w);
        int side = 224;
        int perImage = 3 * side * side;
        float[] image = random(2 * perImage);
        float[] steps = random(4 * 2 * perImage);
        long[] seeds = {7, -3};
        double[] sigma = {0.15, 0.4};
        try (ArrayScope scope = candidate.openScope()) {
            ResidentArray ra = scope.upload(a, n, c, h, w);
            ResidentArray rg = scope.upload(g, n, c, h, w);
            ResidentArray weights = candidate.gradCamPlusPlusWeights(ra, rg);
            floats("resident gradCamPlusPlusWeights [8][2048][7][7]", reference.gradCamPlusPlusWeights(activations, gradients),
                    scope.download(weights));
            Maps cams = reference.weightedChannelSum(activations, reference.channelMeans(gradients), true);
            floats("resident Grad-CAM chain [8][2048][7][7] -> 224x224", reference.upsampleBilinear(cams, side, side).values(),
                    scope.download(candidate.upsampleBilinear(candidate.weightedChannelSum(ra, candidate.channelMeans(rg), true), side, side)));
            floats("resident reduceChannels SUM [8][2048][7][7]", reference.reduceChannels(gradients, ChannelReduction.SUM).values(),
                    scope.download(candidate.reduceChannels(rg, ChannelReduction.SUM)));
            try (ArrayScope host = reference.openScope()) {
                ResidentArray hostSteps = host.upload(steps, 8, 3, side, side);
                ResidentArray hostImage = host.upload(image, 2, 3, side, side);
                ResidentArray expected = reference.multiply(reference.divide(reference.sumBlocks(null, hostSteps, 4), 4), hostImage);
                ResidentArray deviceImage = scope.upload(image, 2, 3, side, side);
                ResidentArray actual = candidate.multiply(candidate.divide(candidate.sumBlocks(null, scope.upload(steps, 8, 3, side, side), 4), 4),
                        deviceImage);
                floats("resident step sum, mean, x input [4x2][3][224][224]", host.download(expected), scope.download(actual));
                long draws = 2L * perImage + 1;
                floats("resident gaussianNoise 3 copies [2][3][224][224]", host.download(reference.gaussianNoise(hostImage, seeds, sigma, draws, draws, 3)),
                        scope.download(candidate.gaussianNoise(deviceImage, seeds, sigma, draws, draws, 3)));
            }
        }
    }

    private void overlayOps() {
        int n = 16;
        int pixels = 224 * 224;
        Maps maps = new Maps(random(n * 49), n, 7, 7);
        Maps up = reference.upsampleBilinear(maps, 224, 224);
        floats("upsampleBilinear [16] 7x7 -> 224x224", up.values(), candidate.upsampleBilinear(maps, 224, 224).values());
        floats("minMax [16][224x224]", reference.minMax(up), candidate.minMax(up));
        float[] lo = new float[n];
        float[] hi = new float[n];
        Arrays.fill(lo, -1f);
        Arrays.fill(hi, 1.5f);
        Maps unit = reference.normalize(up, MapRange.given(lo, hi));
        floats("normalize [16][224x224]", unit.values(), candidate.normalize(up, MapRange.given(lo, hi)).values());
        int[] rgb = new int[n * pixels];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        RgbImages images = new RgbImages(rgb, n, 224, 224);
        Blend viridis = new Blend(Colormap.VIRIDIS.packedLut(), 0.4f);
        levels("colorizeBlend [16][224x224] (levels)", reference.colorizeBlend(unit, images, viridis).rgb(),
                candidate.colorizeBlend(unit, images, viridis).rgb());
        overlay(maps, images);
        float[] plateau = up.values().clone();
        Arrays.fill(plateau, 0, pixels / 3, 0.25f); // a third of the first map one value: ties in the selection
        double[] expected = reference.percentiles(new Maps(plateau, n, 224, 224), 1, 99);
        double[] actual = candidate.percentiles(new Maps(plateau, n, 224, 224), 1, 99);
        double worst = expected.length == actual.length ? 0 : Double.POSITIVE_INFINITY;
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        results.add(new Result("percentiles 1, 99 [16][224x224] (exact)", worst, worst == 0));
    }

    /**
     * The whole overlay, fused on the candidate: within one level, except where the reference's normalised value lies
     * within 1e-5 of a colour-table boundary (floor(u * 256) changes), since the fused kernels' float upsampling may
     * put such a pixel on the neighbouring colour; those pixels are counted in the result's name.
     */
    private void overlay(Maps maps, RgbImages images) {
        int pixels = images.pixels();
        Blend inferno = new Blend(Colormap.INFERNO.packedLut(), 0.6f);
        float[] up = reference.upsampleBilinear(maps, images.height(), images.width()).values();
        float[] range = reference.minMax(new Maps(up, maps.n(), images.height(), images.width()));
        int[] expected = reference.overlay(maps, images, MapRange.own(), inferno).rgb();
        int[] actual = candidate.overlay(maps, images, MapRange.own(), inferno).rgb();
        int worst = expected.length == actual.length ? 0 : Integer.MAX_VALUE;
        int onBoundary = 0;
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            int difference = 0;
            for (int shift = 0; shift <= 16; shift += 8) {
                difference = Math.max(difference, Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF)));
            }
            float lo = range[2 * (i / pixels)];
            float hi = range[2 * (i / pixels) + 1];
            double scaled = (up[i] - lo) / ((double) hi - lo) * 256;
            if (difference > 1 && Math.abs(scaled - Math.rint(scaled)) < 256 * 1e-5) {
                onBoundary++;
            } else {
                worst = Math.max(worst, difference);
            }
        }
        results.add(new Result("overlay fused [16] 7x7 -> 224x224 (levels; " + onBoundary + " boundary pixels)", worst, worst <= 1));
    }

    /** Packed RGB results: the largest difference of any channel, in levels; one level allowed. */
    private void levels(String op, int[] expected, int[] actual) {
        int worst = expected.length == actual.length ? 0 : Integer.MAX_VALUE;
        for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                worst = Math.max(worst, Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF)));
            }
        }
        results.add(new Result(op, worst, worst <= 1));
    }

    private void attentionOps() {
        int n = 2, heads = 12, tokens = 197, d = 64;
        HeadVectors q = new HeadVectors(random(n * heads * tokens * d), n, heads, tokens, d);
        HeadVectors k = new HeadVectors(random(n * heads * tokens * d), n, heads, tokens, d);
        float[] valid = new float[n * tokens];
        Arrays.fill(valid, 1f);
        valid[tokens + 5] = 0f;
        KeyMask mask = KeyMask.of(valid);
        TokenMatrices p = reference.attentionProbabilities(q, k, mask, 0.125f);
        floats("attentionProbabilities ViT-B/16 [2][12][197][64]", p.values(), candidate.attentionProbabilities(q, k, mask, 0.125f).values());
        for (HeadFusion f : HeadFusion.values()) {
            floats("fuseHeads " + f.id() + " [2][12][197][197]", reference.fuseHeads(p, f).values(), candidate.fuseHeads(p, f).values());
        }
        float[] fused = reference.fuseHeads(p, HeadFusion.MEAN).values();
        float[] stacked = new float[n * 12 * tokens * tokens];
        for (int l = 0; l < 12; l++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(fused, i * tokens * tokens, stacked, (i * 12 + l) * tokens * tokens, tokens * tokens);
            }
        }
        TokenMatrices layers = new TokenMatrices(stacked, n, 12, tokens);
        floats("rollout 12 layers [2][197][197]", reference.rollout(layers, 0f, true).values(), candidate.rollout(layers, 0f, true).values());
        // image 1 has a masked key, so its fused matrices hold exact zeros: ties for the discarded selection
        floats("rollout 12 layers, discard 0.9 [2][197][197]", reference.rollout(layers, 0.9f, true).values(),
                candidate.rollout(layers, 0.9f, true).values());
        HeadVectors bert = new HeadVectors(random(12 * 512 * 64), 1, 12, 512, 64);
        floats("attentionProbabilities BERT [1][12][512][64]", reference.attentionProbabilities(bert, bert, KeyMask.everyKey(), 0.125f).values(),
                candidate.attentionProbabilities(bert, bert, KeyMask.everyKey(), 0.125f).values());
    }
}
