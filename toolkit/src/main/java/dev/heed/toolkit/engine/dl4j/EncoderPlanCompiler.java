package dev.heed.toolkit.engine.dl4j;

import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Compiles Heed's transformer encoders (the ViT of {@code attention.VisionTransformer} and the BERT-style MiniLM of
 * {@code attention.text.MiniLm}) from their named weights into a {@link Plan}, op for op as {@code
 * attention.EncoderGraph} builds the SameDiff graph, so that the two agree to float rounding:
 * <ul>
 * <li>dense layers ({@code x W + b}, W stored {@code [in][out]}) become {@code Dense} ops on {@code [tokens, in]} with
 * the weight transposed to the plan's {@code [out][in]};</li>
 * <li>heads: {@code [tokens, hidden] -> Reshape [tokens, heads, d] -> Transpose [heads, tokens, d]}; scores
 * {@code MatMul(q, k^T, scale 1/sqrt d)}, then {@code Softmax} (masked by the padding mask for text), a {@code Gate}
 * (ViT only: the probabilities' gate whose gradient is Chefer et al.'s {@code dScore/dA * A}), {@code MatMul(p, v)},
 * and back to {@code [tokens, hidden]};</li>
 * <li>the exact (erf) GELU, layer norms with the model's epsilon, pre-LN blocks for the ViT and post-LN for BERT.</li>
 * </ul>
 * Capture points are EncoderGraph's variable names: {@code layer<L>.query}, {@code layer<L>.key} ({@code [heads, tokens,
 * headDim]}) and {@code layer<L>.probabilities} ({@code [heads, tokens, tokens]}); gates are {@code layer<L>.gate} and,
 * for MiniLM, {@code embedding.gate} on the word embeddings.
 */
public final class EncoderPlanCompiler {
    /** The MiniLM plan's inputs after the token ids, in order. */
    public static final String TOKEN_TYPES = "token_type_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    /** The gate on MiniLM's word embeddings, as MiniLm's SameDiff graph names it. */
    public static final String EMBEDDING_GATE = "embedding.gate";

    private final Map<String, INDArray> source;
    private final TransformerSpec spec;
    private final Map<String, Weights> converted = new HashMap<>();

    /** {@code weights} by the model file's names (read, never written); converted once and kept for later plans. */
    public EncoderPlanCompiler(Map<String, INDArray> weights, TransformerSpec spec) {
        this.source = Map.copyOf(weights);
        this.spec = spec;
    }

    public TransformerSpec spec() {
        return spec;
    }

    public static String query(int layer) {
        return "layer" + layer + ".query";
    }

    public static String key(int layer) {
        return "layer" + layer + ".key";
    }

    public static String probabilities(int layer) {
        return "layer" + layer + ".probabilities";
    }

    public static String gate(int layer) {
        return "layer" + layer + ".gate";
    }

    /**
     * A ViT on {@code [channels, side * patch, side * patch]} images with {@code classes} logits: patches as a
     * convolution with kernel and stride {@code patch} (EncoderGraph's patch rows are (channel, row, column) ordered,
     * which is OIHW), the class token and position embeddings as constants, pre-LN blocks with attention gates, the
     * final layer norm, the class token's row, the classifier.
     */
    public Plan vit(int channels, int imageSide, int patch, int classes) {
        int side = imageSide / patch;
        int patches = side * side;
        int tokens = patches + 1;
        int hidden = spec.hidden();
        PlanBuilder b = new PlanBuilder(channels, imageSide, imageSide);
        Weights patchWeight = reshaped(transposed("embeddings.patch.weight", channels * patch * patch, hidden), hidden, channels, patch, patch);
        int grid = b.conv2d("embeddings.patch", b.input(), new Window(patch, patch, patch, patch, 1, 1, Padding.NONE), patchWeight,
                vector("embeddings.patch.bias", hidden));
        int rows = b.transpose("embeddings.patch", b.reshape("embeddings.patch", grid, hidden, patches), 1, 0);
        int cls = b.constant("embeddings.cls_token", reshaped(plain("embeddings.cls_token", 1, 1, hidden), 1, hidden));
        int embedded = b.add("embeddings.position", b.concat("embeddings", cls, rows),
                b.constant("embeddings.position", reshaped(plain("embeddings.position", 1, tokens, hidden), tokens, hidden)));
        int h = embedded;
        for (int layer = 0; layer < spec.layers(); layer++) {
            h = preNormLayer(b, h, layer, -1, true);
        }
        int normed = layerNorm(b, h, "layernorm");
        int classRow = b.reshape("classifier", b.slice("classifier", normed, 0, 1), hidden);
        int logits = dense(b, classRow, "classifier", hidden, classes);
        b.capture("logits", logits);
        return b.build(logits);
    }

    /**
     * A BERT-style encoder on {@code tokens} tokens: inputs token ids {@code [tokens]} (as floats), {@link #TOKEN_TYPES}
     * {@code [tokens]} and {@link #ATTENTION_MASK} {@code [tokens]} (1 real, 0 padding); positions are
     * {@code 0 .. tokens-1}, as {@code TextBatch} gives them. The output is the last hidden state flattened,
     * {@code [tokens * hidden]}; pooling happens outside the plan.
     */
    public Plan bert(int tokens) {
        int hidden = spec.hidden();
        PlanBuilder b = new PlanBuilder(tokens);
        int types = b.addInput(TOKEN_TYPES, tokens);
        int mask = b.addInput(ATTENTION_MASK, tokens);
        Weights wordTable = plain2d("embeddings.word_embeddings.weight", hidden);
        int words = b.gate(EMBEDDING_GATE, b.gather("embeddings.word_embeddings", b.input(), wordTable));
        int typeRows = b.gather("embeddings.token_type_embeddings", types, plain2d("embeddings.token_type_embeddings.weight", hidden));
        Weights positionTable = plain2d("embeddings.position_embeddings.weight", hidden);
        if (positionTable.shape()[0] < tokens) {
            throw new IllegalArgumentException(tokens + " tokens, but the model has " + positionTable.shape()[0] + " positions");
        }
        float[] positions = Arrays.copyOf(positionTable.toArray(), tokens * hidden);
        int positionRows = b.constant("embeddings.position_embeddings", new Weights(positions, tokens, hidden));
        int h = layerNorm(b, b.add("embeddings", words, typeRows, positionRows), "embeddings.LayerNorm");
        for (int layer = 0; layer < spec.layers(); layer++) {
            h = postNormLayer(b, h, layer, mask);
        }
        int last = b.reshape("last_hidden_state", h, tokens * hidden);
        b.capture("last_hidden_state", last);
        return b.build(last);
    }

    private int preNormLayer(PlanBuilder b, int h, int layer, int mask, boolean gated) {
        String p = "encoder.layer." + layer + ".";
        int hidden = spec.hidden();
        int normed = layerNorm(b, h, p + "layernorm_before");
        int h1 = b.add(p + "attention", h, dense(b, selfAttention(b, normed, layer, mask, gated), p + "attention.output.dense", hidden, hidden));
        int mlp = dense(b, gelu(b, dense(b, layerNorm(b, h1, p + "layernorm_after"), p + "intermediate.dense", hidden, spec.intermediate()),
                p + "intermediate"), p + "output.dense", spec.intermediate(), hidden);
        return b.add(p + "output", h1, mlp);
    }

    private int postNormLayer(PlanBuilder b, int h, int layer, int mask) {
        String p = "encoder.layer." + layer + ".";
        int hidden = spec.hidden();
        int attended = dense(b, selfAttention(b, h, layer, mask, false), p + "attention.output.dense", hidden, hidden);
        int h1 = layerNorm(b, b.add(p + "attention.output", attended, h), p + "attention.output.LayerNorm");
        int mlp = dense(b, gelu(b, dense(b, h1, p + "intermediate.dense", hidden, spec.intermediate()), p + "intermediate"),
                p + "output.dense", spec.intermediate(), hidden);
        return layerNorm(b, b.add(p + "output", mlp, h1), p + "output.LayerNorm");
    }

    private int selfAttention(PlanBuilder b, int h, int layer, int mask, boolean gated) {
        String p = "encoder.layer." + layer + ".attention.self.";
        int hidden = spec.hidden();
        int q = heads(b, dense(b, h, p + "query", hidden, hidden), p + "query");
        int k = heads(b, dense(b, h, p + "key", hidden, hidden), p + "key");
        int v = heads(b, dense(b, h, p + "value", hidden, hidden), p + "value");
        b.capture(query(layer), q);
        b.capture(key(layer), k);
        int scores = b.matMul(p + "scores", q, k, false, true, spec.attentionScale());
        int probabilities = b.softmax(probabilities(layer), scores, mask);
        b.capture(probabilities(layer), probabilities);
        int weights = gated ? b.gate(gate(layer), probabilities) : probabilities;
        int context = b.matMul(p + "context", weights, v, false, false, 1f);
        int tokensFirst = b.transpose(p + "context", context, 1, 0, 2);
        return b.reshape(p + "context", tokensFirst, b.tensor(tokensFirst).shape()[0], hidden);
    }

    /** {@code [tokens, hidden] -> [heads, tokens, headDim]}. */
    private int heads(PlanBuilder b, int x, String layer) {
        int tokens = b.tensor(x).shape()[0];
        return b.transpose(layer, b.reshape(layer, x, tokens, spec.heads(), spec.headDim()), 1, 0, 2);
    }

    private int dense(PlanBuilder b, int x, String prefix, int in, int out) {
        return b.dense(prefix, x, transposed(prefix + ".weight", in, out), vector(prefix + ".bias", out));
    }

    private int layerNorm(PlanBuilder b, int x, String prefix) {
        int hidden = spec.hidden();
        return b.layerNorm(prefix, x, vector(prefix + ".weight", hidden), vector(prefix + ".bias", hidden), spec.layerNormEps());
    }

    private static int gelu(PlanBuilder b, int x, String layer) {
        return b.activation(layer, x, ActivationKind.GELU, 0);
    }

    /** A stored {@code [in][out]} matrix as the plan's {@code [out][in]}. */
    private Weights transposed(String name, int in, int out) {
        return converted.computeIfAbsent(name + "^T", k -> {
            INDArray w = array(name, in, out);
            return new Weights(w.transpose().dup('c').data().asFloat(), out, in);
        });
    }

    private Weights vector(String name, int length) {
        return plain(name, length);
    }

    private Weights plain(String name, int... shape) {
        return converted.computeIfAbsent(name, k -> new Weights(array(name, Arrays.stream(shape).toArray()).dup('c').data().asFloat(), shape));
    }

    /** A table whose row count is whatever the model has. */
    private Weights plain2d(String name, int columns) {
        INDArray a = source.get(name);
        if (a == null) {
            throw new IllegalArgumentException("the model has no weight named '" + name + "'");
        }
        return plain(name, (int) a.size(0), columns);
    }

    private static Weights reshaped(Weights w, int... shape) {
        return new Weights(w.toArray(), shape);
    }

    private INDArray array(String name, int... shape) {
        INDArray a = source.get(name);
        if (a == null) {
            throw new IllegalArgumentException("the model has no weight named '" + name + "'");
        }
        long[] expected = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(a.shape(), expected)) {
            throw new IllegalArgumentException("weight '" + name + "' has shape " + Arrays.toString(a.shape()) + ", expected "
                    + Arrays.toString(expected));
        }
        return a.castTo(DataType.FLOAT);
    }
}
