package dev.heed.toolkit.attention;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds a transformer encoder into a SameDiff graph, written out op by op so that every layer's queries, keys and
 * attention probabilities are named variables a caller can fetch. With {@code gated} each layer's probabilities are
 * multiplied by a variable of ones ({@code [batch][heads][tokens][tokens]}, set per call): the gradient of a score
 * with respect to that gate is exactly {@code dScore/dA * A}, the product Chefer et al.'s relevance needs, and the
 * forward pass is unchanged.
 *
 * <p>SameDiff may reuse the arrays it returns for its next run, so callers copy what they keep.
 *
 * <p>Hidden states travel as {@code [batch * tokens][hidden]} so that dense layers are plain matrix products; only
 * attention reshapes them to {@code [batch][heads][tokens][headDim]}, the layout the Backend's attention ops take.
 */
public final class EncoderGraph {
    /** The variable names one layer exposes; {@code gate} is null when the graph is not gated. */
    public record LayerNames(String query, String key, String probabilities, String gate) { }

    private final SameDiff sd;
    private final Parameters parameters;
    private final TransformerSpec spec;
    private final boolean gated;
    private final List<LayerNames> layerNames = new ArrayList<>();

    public EncoderGraph(SameDiff sd, Parameters parameters, TransformerSpec spec, boolean gated) {
        this.sd = sd;
        this.parameters = parameters;
        this.spec = spec;
        this.gated = gated;
    }

    public List<LayerNames> layerNames() {
        return List.copyOf(layerNames);
    }

    /**
     * Runs every layer over {@code hidden} ({@code [batch * tokens][hidden]}); {@code batchAndTokens} is the
     * two-element shape vector {@code [batch, tokens]}; {@code additiveMask} ({@code [batch][1][1][tokens]}, zero for
     * real keys and a large negative number for padding) may be null.
     */
    public SDVariable encode(SDVariable hidden, SDVariable batchAndTokens, SDVariable additiveMask) {
        SDVariable h = hidden;
        for (int layer = 0; layer < spec.layers(); layer++) {
            h = spec.preNorm() ? preNormLayer(h, batchAndTokens, additiveMask, layer)
                    : postNormLayer(h, batchAndTokens, additiveMask, layer);
        }
        return h;
    }

    private SDVariable postNormLayer(SDVariable h, SDVariable batchAndTokens, SDVariable mask, int layer) {
        String p = "encoder.layer." + layer + ".";
        SDVariable attended = dense(selfAttention(h, batchAndTokens, mask, layer), p + "attention.output.dense", spec.hidden(), spec.hidden());
        SDVariable h1 = layerNorm(attended.add(h), p + "attention.output.LayerNorm");
        SDVariable mlp = dense(gelu(dense(h1, p + "intermediate.dense", spec.hidden(), spec.intermediate())),
                p + "output.dense", spec.intermediate(), spec.hidden());
        return layerNorm(mlp.add(h1), p + "output.LayerNorm");
    }

    private SDVariable preNormLayer(SDVariable h, SDVariable batchAndTokens, SDVariable mask, int layer) {
        String p = "encoder.layer." + layer + ".";
        SDVariable normed = layerNorm(h, p + "layernorm_before");
        SDVariable h1 = h.add(dense(selfAttention(normed, batchAndTokens, mask, layer), p + "attention.output.dense", spec.hidden(), spec.hidden()));
        SDVariable mlp = dense(gelu(dense(layerNorm(h1, p + "layernorm_after"), p + "intermediate.dense", spec.hidden(), spec.intermediate())),
                p + "output.dense", spec.intermediate(), spec.hidden());
        return h1.add(mlp);
    }

    private SDVariable selfAttention(SDVariable h, SDVariable batchAndTokens, SDVariable mask, int layer) {
        String p = "encoder.layer." + layer + ".attention.self.";
        String names = "layer" + layer + ".";
        SDVariable q = sd.identity(names + "query", heads(dense(h, p + "query", spec.hidden(), spec.hidden()), batchAndTokens));
        SDVariable k = sd.identity(names + "key", heads(dense(h, p + "key", spec.hidden(), spec.hidden()), batchAndTokens));
        SDVariable v = heads(dense(h, p + "value", spec.hidden(), spec.hidden()), batchAndTokens);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(spec.attentionScale());
        if (mask != null) {
            scores = scores.add(mask);
        }
        SDVariable probabilities = sd.nn.softmax(names + "probabilities", scores, 3);
        String gateName = null;
        if (gated) {
            gateName = names + "gate";
            probabilities = probabilities.mul(sd.var(gateName, Nd4j.ones(DataType.FLOAT, 1, spec.heads(), 1, 1)));
        }
        layerNames.add(new LayerNames(q.name(), k.name(), names + "probabilities", gateName));
        SDVariable context = sd.mmul(probabilities, v).permute(0, 2, 1, 3);
        return sd.reshape(context, -1, spec.hidden());
    }

    /** {@code [batch * tokens][hidden] -> [batch][heads][tokens][headDim]}. */
    private SDVariable heads(SDVariable x, SDVariable batchAndTokens) {
        SDVariable shape = sd.concat(0, batchAndTokens, sd.constant(Nd4j.createFromArray((long) spec.heads(), spec.headDim())));
        return sd.reshape(x, shape).permute(0, 2, 1, 3);
    }

    /** {@code x W + b} with {@code W} stored {@code [in][out]}. */
    public SDVariable dense(SDVariable x, String prefix, long in, long out) {
        return sd.mmul(x, parameters.weight(prefix + ".weight", in, out)).add(parameters.zeros(prefix + ".bias", out));
    }

    /** LayerNorm over the last axis of a {@code [rows][hidden]} matrix, written out so the epsilon is the model's. */
    public SDVariable layerNorm(SDVariable x, String prefix) {
        SDVariable centred = x.sub(x.mean(true, 1));
        SDVariable variance = centred.mul(centred).mean(true, 1);
        SDVariable normed = centred.div(sd.math.sqrt(variance.add(spec.layerNormEps())));
        return normed.mul(parameters.ones(prefix + ".weight", spec.hidden())).add(parameters.zeros(prefix + ".bias", spec.hidden()));
    }

    /** The exact GELU, {@code x/2 (1 + erf(x / sqrt 2))}, as BERT and ViT use it. */
    private SDVariable gelu(SDVariable x) {
        return x.mul(0.5).mul(sd.math.erf(x.mul(1 / Math.sqrt(2))).add(1.0));
    }

    /** The first two entries of a variable's shape, for {@link #encode}. */
    public static SDVariable leadingShape(SDVariable x) {
        return x.shape().get(SDIndex.interval(0, 2));
    }
}
