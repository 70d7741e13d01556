package dev.heed.toolkit.attention.text;

import dev.heed.toolkit.attention.EncoderGraph;
import dev.heed.toolkit.attention.Parameters;
import dev.heed.toolkit.attention.TransformerSpec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A BERT-style sentence encoder run in ND4J from the weights of its ONNX export; by default all-MiniLM-L6-v2 with its
 * real pretrained weights (6 post-LN layers, 12 heads of 32, hidden 384). Every layer's queries, keys and attention
 * probabilities can be read out, and the token saliency of the sentence embedding's similarity to another sentence
 * (gradient times input on the word embeddings) comes from the same graph.
 */
public final class MiniLm implements TextEncoder {
    /** The ONNX file inside langchain4j's all-MiniLM-L6-v2 jar. */
    public static final String BUNDLED_MODEL = "/all-minilm-l6-v2.onnx";
    /** Position embeddings of the bundled model, so --max-tokens can be checked before the model is read. */
    public static final int BUNDLED_POSITIONS = 512;
    /** A large negative number for padded keys: exp underflows to exactly zero, as with the exporter's float minimum. */
    private static final double MASKED = -1e9;

    /** One forward pass: the last hidden state {@code [n][tokens][hidden]}, the unit sentence embeddings {@code [n][hidden]}, and per layer the heads' Q, K ({@code [n][heads][tokens][headDim]}) and probabilities. */
    public record Capture(INDArray lastHiddenState, INDArray sentenceEmbeddings, List<INDArray> queries,
                          List<INDArray> keys, List<INDArray> probabilities) { }

    private final TransformerSpec spec;
    private final SameDiff sd;
    private final List<EncoderGraph.LayerNames> layers;
    private final String source;
    private final String fingerprint;
    private final int maxPositions;
    private final Map<String, INDArray> weights;

    private MiniLm(OnnxBert.Weights weights, String source, String fingerprint) {
        this.spec = weights.spec();
        this.source = source;
        this.fingerprint = fingerprint;
        this.maxPositions = weights.maxPositions();
        this.weights = Map.copyOf(weights.byName());
        this.sd = SameDiff.create();
        Parameters p = Parameters.frozen(sd, weights.byName());
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT, -1, -1);
        SDVariable types = sd.placeHolder("token_type_ids", DataType.INT, -1, -1);
        SDVariable positions = sd.placeHolder("position_ids", DataType.INT, -1, -1);
        SDVariable mask = sd.placeHolder("attention_mask", DataType.FLOAT, -1, -1);
        long hidden = spec.hidden();
        // The gate multiplies the word embeddings only: LayerNorm makes each token's summed embedding scale-free, so
        // gradient x input on the sum is zero by construction; on the word embeddings it is Captum's usual choice.
        SDVariable words = sd.reshape(sd.gather(p.embedding("embeddings.word_embeddings.weight", weights.vocabulary(), hidden), ids, 0), -1, hidden)
                .mul(sd.var("embedding.gate", Nd4j.ones(DataType.FLOAT, 1, hidden)));
        SDVariable gated = words
                .add(sd.reshape(sd.gather(p.embedding("embeddings.token_type_embeddings.weight", 2, hidden), types, 0), -1, hidden))
                .add(sd.reshape(sd.gather(p.embedding("embeddings.position_embeddings.weight", weights.maxPositions(), hidden), positions, 0), -1, hidden));
        EncoderGraph encoder = new EncoderGraph(sd, p, spec, false);
        SDVariable embedded = encoder.layerNorm(gated, "embeddings.LayerNorm");
        SDVariable additive = sd.expandDims(sd.expandDims(mask.rsub(1.0).mul(MASKED), 1), 1);
        SDVariable shape = ids.shape();
        SDVariable out = encoder.encode(embedded, shape, additive);
        SDVariable last = sd.reshape("last_hidden_state", out, sd.concat(0, shape, sd.constant(Nd4j.createFromArray(hidden))));
        // sentence-transformers' pooling: the mean over real tokens, then unit length
        SDVariable weightsPerToken = sd.expandDims(mask, 2);
        SDVariable mean = last.mul(weightsPerToken).sum(1).div(weightsPerToken.sum(1));
        SDVariable unit = sd.identity("sentence_embedding", mean.div(sd.math.sqrt(mean.mul(mean).sum(true, 1))));
        SDVariable compare = sd.placeHolder("compare", DataType.FLOAT, -1, hidden);
        sd.setLossVariables(unit.mul(compare).sum("similarity"));
        this.layers = encoder.layerNames();
    }

    /** all-MiniLM-L6-v2 from the class path (langchain4j's jar). */
    public static MiniLm bundled() throws IOException {
        try (InputStream in = MiniLm.class.getResourceAsStream(BUNDLED_MODEL)) {
            if (in == null) {
                throw new IOException("the all-MiniLM-L6-v2 model " + BUNDLED_MODEL + " is not on the class path");
            }
            return read(in, "all-minilm-l6-v2.onnx");
        }
    }

    /** A user's BERT-style ONNX export; anything else is an error naming the file and what is missing. */
    public static MiniLm load(Path onnx) throws IOException {
        try (InputStream in = Files.newInputStream(onnx)) {
            return read(in, onnx.toString());
        }
    }

    /** Parses the weights while hashing the bytes, so the fingerprint is of exactly what was loaded. */
    private static MiniLm read(InputStream in, String source) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        DigestInputStream hashed = new DigestInputStream(new BufferedInputStream(in, 1 << 20), sha256);
        OnnxBert.Weights weights = OnnxBert.read(hashed, source);
        hashed.transferTo(OutputStream.nullOutputStream()); // the parser may stop before the end
        String fingerprint = HexFormat.of().formatHex(sha256.digest()).substring(0, 16);
        return new MiniLm(weights, source, fingerprint);
    }

    /** The weights by their names in EncoderGraph (read them, do not write them), for the engine's plan compiler. */
    public Map<String, INDArray> weights() {
        return weights;
    }

    @Override
    public TransformerSpec spec() {
        return spec;
    }

    /** The first 16 hex digits of the SHA-256 of the ONNX bytes (for the bundled model: of the jar entry). */
    public String fingerprint() {
        return fingerprint;
    }

    /** How many positions the model has embeddings for: the longest input it can encode. */
    public int maxPositions() {
        return maxPositions;
    }

    /** Where the weights came from, for provenance. */
    public String source() {
        return source;
    }

    /** Runs the encoder on a batch and keeps every layer's queries, keys and attention probabilities. */
    @Override
    public Capture capture(TextBatch batch) {
        sd.getVariable("embedding.gate").setArray(Nd4j.ones(DataType.FLOAT, 1, spec.hidden()));
        List<String> wanted = new ArrayList<>(List.of("last_hidden_state", "sentence_embedding"));
        for (EncoderGraph.LayerNames l : layers) {
            wanted.addAll(List.of(l.query(), l.key(), l.probabilities()));
        }
        Map<String, INDArray> out = sd.output(placeholders(batch), wanted.toArray(String[]::new));
        List<INDArray> q = new ArrayList<>();
        List<INDArray> k = new ArrayList<>();
        List<INDArray> p = new ArrayList<>();
        for (EncoderGraph.LayerNames l : layers) {
            q.add(out.get(l.query()).dup());
            k.add(out.get(l.key()).dup());
            p.add(out.get(l.probabilities()).dup());
        }
        return new Capture(out.get("last_hidden_state").dup(), out.get("sentence_embedding").dup(), q, k, p);
    }

    /**
     * Gradient times input of {@code cos(embedding(input i), compare[i])} on the word embeddings, summed over
     * the hidden axis: {@code [n][tokens]} (zero on padding). {@code compare} holds unit vectors, {@code [n][hidden]}.
     */
    @Override
    public INDArray similaritySaliency(TextBatch batch, INDArray compare) {
        sd.getVariable("embedding.gate").setArray(Nd4j.ones(DataType.FLOAT, (long) batch.size() * batch.length(), spec.hidden()));
        Map<String, INDArray> in = new java.util.HashMap<>(placeholders(batch));
        in.put("compare", compare);
        INDArray gate = sd.calculateGradients(in, List.of("embedding.gate")).get("embedding.gate").dup();
        INDArray perToken = gate.sum(1).reshape(batch.size(), batch.length());
        return perToken.mul(batch.attentionMask());
    }

    /**
     * The summed similarity with one token's word embedding scaled by {@code scale} (token {@code token} of input
     * {@code input}): the finite-difference check of {@link #similaritySaliency}.
     */
    double similarityWithWordScaled(TextBatch batch, INDArray compare, int input, int token, float scale) {
        INDArray gate = Nd4j.ones(DataType.FLOAT, (long) batch.size() * batch.length(), spec.hidden());
        gate.getRow((long) input * batch.length() + token).assign(scale);
        sd.getVariable("embedding.gate").setArray(gate);
        Map<String, INDArray> in = new java.util.HashMap<>(placeholders(batch));
        in.put("compare", compare);
        return sd.output(in, "similarity").get("similarity").getDouble(0);
    }

    private static Map<String, INDArray> placeholders(TextBatch batch) {
        return Map.of("input_ids", batch.inputIds(), "token_type_ids", batch.tokenTypeIds(),
                "position_ids", batch.positionIds(), "attention_mask", batch.attentionMask());
    }
}
