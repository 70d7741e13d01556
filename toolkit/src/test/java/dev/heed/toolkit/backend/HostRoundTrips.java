package dev.heed.toolkit.backend;

/**
 * A backend that runs another backend's host ops but none of its resident ones: its scope is the heap, so every
 * resident op takes the interface's default path (download, host op, upload), as methods did before the SPI had
 * resident arrays. Tests compare a backend's resident path with it: same kernels, so the same bits, and more traffic.
 * It does not own the backend it wraps.
 */
public final class HostRoundTrips implements Backend {
    private final Backend inner;

    public HostRoundTrips(Backend inner) {
        this.inner = inner;
    }

    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public Maps reduceChannels(Features features, ChannelReduction reduction) {
        return inner.reduceChannels(features, reduction);
    }

    @Override
    public float[] channelMeans(Features features) {
        return inner.channelMeans(features);
    }

    @Override
    public float[] gradCamPlusPlusWeights(Features activations, Features gradients) {
        return inner.gradCamPlusPlusWeights(activations, gradients);
    }

    @Override
    public Maps weightedChannelSum(Features features, float[] weights, boolean relu) {
        return inner.weightedChannelSum(features, weights, relu);
    }

    @Override
    public Maps upsampleBilinear(Maps maps, int outHeight, int outWidth) {
        return inner.upsampleBilinear(maps, outHeight, outWidth);
    }

    @Override
    public float[] minMax(Maps maps) {
        return inner.minMax(maps);
    }

    @Override
    public double[] percentiles(Maps maps, double lowPct, double highPct) {
        return inner.percentiles(maps, lowPct, highPct);
    }

    @Override
    public Maps normalize(Maps maps, MapRange range) {
        return inner.normalize(maps, range);
    }

    @Override
    public RgbImages colorizeBlend(Maps unitMaps, RgbImages images, Blend blend) {
        return inner.colorizeBlend(unitMaps, images, blend);
    }

    @Override
    public TokenMatrices attentionProbabilities(HeadVectors q, HeadVectors k, KeyMask keyMask, float scale) {
        return inner.attentionProbabilities(q, k, keyMask, scale);
    }

    @Override
    public TokenMatrices fuseHeads(TokenMatrices heads, HeadFusion fusion) {
        return inner.fuseHeads(heads, fusion);
    }

    @Override
    public TokenMatrices rollout(TokenMatrices layers, float discardRatio, boolean renormalise) {
        return inner.rollout(layers, discardRatio, renormalise);
    }

    /** Leaves the wrapped backend open: its owner closes it. */
    @Override
    public void close() {
    }
}
