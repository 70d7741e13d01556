package dev.heed.toolkit.attention.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.heed.toolkit.backend.HeadVectors;
import dev.heed.toolkit.backend.KeyMask;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Our ND4J forward pass of all-MiniLM-L6-v2 against ONNX Runtime running the same file, with the 6 attention softmaxes
 * added as graph outputs: the last hidden state and all 72 attention matrices, on a batch with padding, a sentence
 * pair, accents and an unknown character.
 */
class MiniLmOnnxRuntimeParityTest {
    private static final double TOLERANCE = 1e-4;
    private static MiniLm model;
    private static OrtEnvironment env;
    private static OrtSession session;
    private static TextBatch batch;
    private static MiniLm.Capture ours;
    private static OrtSession.Result reference;
    private static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void runBoth() throws Exception {
        model = MiniLm.bundled();
        byte[] withSoftmaxOutputs;
        try (InputStream in = MiniLm.class.getResourceAsStream(MiniLm.BUNDLED_MODEL)) {
            Onnx.ModelProto.Builder proto = Onnx.ModelProto.parseFrom(in).toBuilder();
            for (int layer = 0; layer < 6; layer++) {
                proto.getGraphBuilder().addOutput(Onnx.ValueInfoProto.newBuilder()
                        .setName(softmax(layer))
                        .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1))));
            }
            withSoftmaxOutputs = proto.build().toByteArray();
        }
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        session = env.createSession(withSoftmaxOutputs, options);
        batch = TextBatch.encode(WordPiece.bundled(), List.of(
                new TextBatch.Input("The quick brown fox jumps over the lazy dog.", null, "s1"),
                new TextBatch.Input("How old are you?", "What is your age?", "pair"),
                new TextBatch.Input("Héllo wörld: naïve café, 42 emojis \uD83D\uDE42!", null, "accents"),
                new TextBatch.Input("Hi.", null, "short")), 128, warnings::add);
        ours = model.capture(batch);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(env, batch.idsAsLongs()));
        inputs.put("attention_mask", OnnxTensor.createTensor(env, batch.maskAsLongs()));
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, batch.typesAsLongs()));
        reference = session.run(inputs);
    }

    @AfterAll
    static void close() throws Exception {
        reference.close();
        session.close();
    }

    private static String softmax(int layer) {
        return "/encoder/layer." + layer + "/attention/self/Softmax_output_0";
    }

    @Test
    void theBatchReallyHasPaddingAPairAndAnUnknownCharacter() {
        assertTrue(batch.tokens(3).size() < batch.length(), "the short sentence is padded");
        assertTrue(batch.tokens(1).stream().filter("[SEP]"::equals).count() == 2, "the pair has two [SEP]");
        assertTrue(batch.tokens(2).contains("[UNK]"), batch.tokens(2).toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("accents:") && w.contains("U+1F642")), warnings.toString());
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        float[][][] expected = (float[][][]) reference.get("last_hidden_state").orElseThrow().getValue();
        INDArray actual = ours.lastHiddenState();
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int t = 0; t < expected[i].length; t++) {
                for (int d = 0; d < expected[i][t].length; d++) {
                    worst = Math.max(worst, Math.abs(expected[i][t][d] - actual.getDouble(i, t, d)));
                }
            }
        }
        System.out.printf("MiniLM vs ONNX Runtime: largest hidden-state difference %.2e%n", worst);
        assertTrue(worst < TOLERANCE, "largest hidden-state difference " + worst);
    }

    @Test
    void all72AttentionMatricesMatchOnnxRuntime() throws Exception {
        int compared = 0;
        double worstGraph = 0;
        double worstRecomputed = 0;
        try (CpuBackend backend = new CpuBackend(2)) {
            float[] keyMask = batch.attentionMask().data().asFloat();
            int n = batch.size();
            int t = batch.length();
            for (int layer = 0; layer < 6; layer++) {
                float[][][][] expected = (float[][][][]) reference.get(softmax(layer)).orElseThrow().getValue();
                INDArray graph = ours.probabilities().get(layer);
                // the Backend's own softmax(QK^T/sqrt(d)) from the captured queries and keys must agree too
                float[] recomputed = backend.attentionProbabilities(new HeadVectors(ours.queries().get(layer).dup('c').data().asFloat(), n, 12, t, 32),
                        new HeadVectors(ours.keys().get(layer).dup('c').data().asFloat(), n, 12, t, 32), KeyMask.of(keyMask),
                        model.spec().attentionScale()).values();
                for (int i = 0; i < n; i++) {
                    for (int h = 0; h < 12; h++) {
                        for (int q = 0; q < t; q++) {
                            for (int k = 0; k < t; k++) {
                                float e = expected[i][h][q][k];
                                worstGraph = Math.max(worstGraph, Math.abs(e - graph.getDouble(i, h, q, k)));
                                worstRecomputed = Math.max(worstRecomputed, Math.abs(e - recomputed[((i * 12 + h) * t + q) * t + k]));
                            }
                        }
                        compared++;
                    }
                }
            }
        }
        assertEquals(6 * 12 * 4, compared);
        System.out.printf("MiniLM vs ONNX Runtime: largest attention difference %.2e (graph), %.2e (Backend from Q, K)%n",
                worstGraph, worstRecomputed);
        assertTrue(worstGraph < TOLERANCE, "largest attention difference (graph) " + worstGraph);
        assertTrue(worstRecomputed < TOLERANCE, "largest attention difference (Backend from Q, K) " + worstRecomputed);
    }
}
