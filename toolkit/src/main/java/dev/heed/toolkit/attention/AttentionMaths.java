package dev.heed.toolkit.attention;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.HeadVectors;
import dev.heed.toolkit.backend.KeyMask;
import dev.heed.toolkit.backend.TokenMatrices;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Attention read-outs built from the Backend's primitive ops, so that they run wherever the Backend runs. Layouts are
 * row-major: per-layer attention {@code [n][layers][heads][tokens][tokens]}, fused or rolled-out matrices
 * {@code [n][tokens][tokens]}.
 */
public final class AttentionMaths {
    private AttentionMaths() {
    }

    /**
     * Every layer's attention probabilities, recomputed as {@code softmax(QK^T/sqrt(d))} from the captured queries and
     * keys (each {@code [n][heads][tokens][headDim]}), so they do not depend on how the forward pass computed them;
     * {@code keyMask} ({@code [n][tokens]}, zero where a key is padding) may be null, every key valid.
     */
    public static float[] probabilities(Backend backend, List<INDArray> queries, List<INDArray> keys, float[] keyMask,
                                        TransformerSpec spec) {
        int layers = queries.size();
        long[] shape = queries.get(0).shape();
        int n = (int) shape[0];
        int tokens = (int) shape[2];
        int perImageLayer = spec.heads() * tokens * tokens;
        float[] out = new float[n * layers * perImageLayer];
        KeyMask mask = keyMask == null ? KeyMask.everyKey() : KeyMask.of(keyMask);
        for (int layer = 0; layer < layers; layer++) {
            float[] p = backend.attentionProbabilities(new HeadVectors(flat(queries.get(layer)), n, spec.heads(), tokens, spec.headDim()),
                    new HeadVectors(flat(keys.get(layer)), n, spec.heads(), tokens, spec.headDim()), mask, spec.attentionScale()).values();
            for (int i = 0; i < n; i++) {
                System.arraycopy(p, i * perImageLayer, out, (i * layers + layer) * perImageLayer, perImageLayer);
            }
        }
        return out;
    }

    /** Stacks per-layer arrays ({@code [n][heads][tokens][tokens]} each) into {@code [n][layers][heads][tokens][tokens]}. */
    public static float[] stackLayers(List<INDArray> perLayer) {
        int layers = perLayer.size();
        int n = (int) perLayer.get(0).size(0);
        int per = (int) (perLayer.get(0).length() / n);
        float[] out = new float[n * layers * per];
        for (int layer = 0; layer < layers; layer++) {
            float[] values = flat(perLayer.get(layer));
            for (int i = 0; i < n; i++) {
                System.arraycopy(values, i * per, out, (i * layers + layer) * per, per);
            }
        }
        return out;
    }

    /**
     * Fuses each layer's heads, then chains the layers: {@code [n][layers][heads][t][t] -> [n][t][t]}. With
     * {@code renormalise} and {@link HeadFusion#MEAN} this is Abnar &amp; Zuidema's attention rollout; with
     * {@link HeadFusion#MEAN_OF_POSITIVE} on {@code dScore/dA * A} and no renormalisation it is Chefer et al.'s
     * gradient-weighted relevance.
     */
    public static float[] rollout(Backend backend, float[] attention, int n, int layers, int heads, int tokens,
                                  HeadFusion fusion, float discardRatio, boolean renormalise) {
        TokenMatrices fused = backend.fuseHeads(new TokenMatrices(attention, n * layers, heads, tokens), fusion);
        return backend.rollout(fused.regroup(n, layers), discardRatio, renormalise).values();
    }

    /** Row {@code row} of each matrix, from column {@code from} on: {@code [n][t][t] -> [n][t - from]}. */
    public static float[] row(float[] matrices, int n, int tokens, int row, int from) {
        int width = tokens - from;
        float[] out = new float[n * width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(matrices, (i * tokens + row) * tokens + from, out, i * width, width);
        }
        return out;
    }

    /**
     * A copy of {@code row} with the {@code masked} entries set to zero and the others rescaled to sum to one; all
     * zeros if nothing unmasked carries weight (there is nothing to renormalise).
     */
    public static float[] withoutMasked(float[] row, boolean[] masked) {
        if (row.length != masked.length) {
            throw new IllegalArgumentException(row.length + " weights but " + masked.length + " mask entries");
        }
        double kept = 0;
        for (int k = 0; k < row.length; k++) {
            kept += masked[k] ? 0 : row[k];
        }
        float[] out = new float[row.length];
        if (kept > 0) {
            for (int k = 0; k < row.length; k++) {
                out[k] = masked[k] ? 0f : (float) (row[k] / kept);
            }
        }
        return out;
    }

    static float[] flat(INDArray a) {
        return a.dup('c').data().asFloat();
    }
}
