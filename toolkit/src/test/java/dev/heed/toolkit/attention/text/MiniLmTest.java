package dev.heed.toolkit.attention.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import onnx.Onnx;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class MiniLmTest {
    private static MiniLm model;
    private static final WordPiece VOCABULARY = WordPiece.bundled();

    @BeforeAll
    static void load() throws IOException {
        model = MiniLm.bundled();
    }

    @Test
    void theBundledModelIsMiniLmL6() {
        assertEquals(6, model.spec().layers());
        assertEquals(12, model.spec().heads());
        assertEquals(384, model.spec().hidden());
        assertEquals(1536, model.spec().intermediate());
        assertEquals(1e-12, model.spec().layerNormEps(), 1e-15);
        assertEquals(MiniLm.BUNDLED_POSITIONS, model.maxPositions(), "--max-tokens is checked against this before loading");
        assertTrue(model.fingerprint().matches("[0-9a-f]{16}"), model.fingerprint());
    }

    @Test
    void similaritySaliencyIsGradientTimesInputByFiniteDifferences() {
        TextBatch batch = TextBatch.encode(VOCABULARY, List.of(
                new TextBatch.Input("The cat sat on the mat.", null, "a"),
                new TextBatch.Input("Stock markets fell sharply today.", null, "b")), 128, w -> { });
        TextBatch reference = TextBatch.encode(VOCABULARY, List.of(new TextBatch.Input("A kitten is resting.", null, "ref")), 128, w -> { });
        INDArray compare = model.capture(reference).sentenceEmbeddings().repeat(0, 2);
        INDArray saliency = model.similaritySaliency(batch, compare);
        float h = 0.01f;
        for (int input = 0; input < 2; input++) {
            for (int token = 0; token < batch.tokens(input).size(); token++) {
                // d/ds similarity(word embedding * s) at s = 1 is exactly sum_d grad_d * embedding_d
                double numeric = (model.similarityWithWordScaled(batch, compare, input, token, 1 + h)
                        - model.similarityWithWordScaled(batch, compare, input, token, 1 - h)) / (2 * h);
                assertEquals(numeric, saliency.getDouble(input, token), 2e-4 + 0.02 * Math.abs(numeric),
                        "input " + input + " token " + batch.tokens(input).get(token));
            }
            for (int pad = batch.tokens(input).size(); pad < batch.length(); pad++) {
                assertEquals(0.0, saliency.getDouble(input, pad), "padding has no saliency");
            }
        }
    }

    @Test
    void rolloutRowsOfRealTokensSumToOneAndIgnorePadding() {
        TextBatch batch = TextBatch.encode(VOCABULARY, List.of(new TextBatch.Input("Attention is all you need.", null, "a"),
                new TextBatch.Input("Hi.", null, "b")), 128, w -> { });
        try (CpuBackend backend = new CpuBackend(2)) {
            List<TextAttention.Sentence> sentences = TextAttention.explain(model, backend, batch, null, HeadFusion.MEAN, 0f);
            TextAttention.Sentence shortOne = sentences.get(1);
            assertEquals(List.of("[CLS]", "hi", ".", "[SEP]"), shortOne.tokens());
            for (TextAttention.Sentence s : sentences) {
                for (int q = 0; q < s.length(); q++) {
                    double sum = 0;
                    for (float v : s.rolloutRow(q)) {
                        sum += v;
                    }
                    assertEquals(1.0, sum, 1e-4);
                    float[][][] layer0 = s.layer(0);
                    double rowSum = 0;
                    for (float v : layer0[3][q]) {
                        rowSum += v;
                    }
                    assertEquals(1.0, rowSum, 1e-4, "attention rows over real keys sum to one after padding is cut away");
                }
            }
            assertTrue(Double.isNaN(shortOne.similarity()) && shortOne.saliency() == null);
        }
    }

    @Test
    void aFileThatIsNotTheExpectedGraphIsAClearError(@TempDir Path dir) throws IOException {
        Path notOnnx = dir.resolve("notes.onnx");
        Files.writeString(notOnnx, "this is not a protobuf, just text that happens to be here");
        IOException e1 = assertThrows(IOException.class, () -> MiniLm.load(notOnnx));
        assertTrue(e1.getMessage().startsWith(notOnnx + ": "), e1.getMessage());

        Onnx.ModelProto other = Onnx.ModelProto.newBuilder().setIrVersion(7).setGraph(Onnx.GraphProto.newBuilder().setName("mlp")
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("x").addOutput("y"))).build();
        Path mlp = dir.resolve("mlp.onnx");
        Files.write(mlp, other.toByteArray());
        IOException e2 = assertThrows(IOException.class, () -> MiniLm.load(mlp));
        assertEquals(mlp + ": not the expected BERT encoder graph (no initializer 'embeddings.word_embeddings.weight')", e2.getMessage());
    }
}
