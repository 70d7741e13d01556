package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.WordPiece;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.adapter.MiniLmPlanModel;
import dev.heed.toolkit.engine.adapter.VitPlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.ModelInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's transformer plans against the SameDiff graphs they replace, on the bundled ViT and all-MiniLM-L6-v2:
 * logits (or hidden states and sentence embeddings), every layer's queries, keys and attention probabilities, and the
 * gate gradients (class-specific relevance, similarity saliency), within 1e-4 of the largest magnitude.
 */
class EncoderPlanParityTest {
    static double relativeError(INDArray ours, INDArray oracle) {
        assertArrayEquals(oracle.shape(), ours.shape(), "shape");
        double scale = oracle.castTo(DataType.DOUBLE).amaxNumber().doubleValue();
        assertTrue(scale > 0, "the oracle is all zeros");
        return ours.castTo(DataType.DOUBLE).sub(oracle.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }

    static double check(String what, INDArray ours, INDArray oracle) {
        double e = relativeError(ours, oracle);
        System.out.printf("parity %-60s %.2e%n", what, e);
        assertTrue(e <= Parity.TOLERANCE, what + ": relative error " + e);
        return e;
    }

    static double checkLayers(String what, List<INDArray> ours, List<INDArray> oracle) {
        assertEquals(oracle.size(), ours.size());
        double worst = 0;
        for (int l = 0; l < ours.size(); l++) {
            worst = Math.max(worst, relativeError(ours.get(l), oracle.get(l)));
        }
        System.out.printf("parity %-60s %.2e (worst layer)%n", what, worst);
        assertTrue(worst <= Parity.TOLERANCE, what + ": relative error " + worst);
        return worst;
    }

    static INDArray bundledSamples(VisionTransformer vit, int count) throws Exception {
        List<Path> samples;
        try (var files = Files.list(Path.of("samples/fashion-mnist"))) {
            samples = files.filter(p -> p.toString().endsWith(".png")).sorted().limit(count).toList();
        }
        int size = vit.card().channels() * vit.card().height() * vit.card().width();
        float[] pixels = new float[samples.size() * size];
        for (int i = 0; i < samples.size(); i++) {
            float[] one = ModelInput.prepare(InputImage.read(samples.get(i)), vit.card(), ModelInput.Resize.STRETCH);
            System.arraycopy(one, 0, pixels, i * size, size);
        }
        return Nd4j.create(pixels, new long[] {samples.size(), vit.card().channels(), vit.card().height(), vit.card().width()}, 'c');
    }

    @Test
    void theBundledViTOnTheReferenceExecutorMatchesSameDiff() throws Exception {
        vitParity(new CpuReferenceExecutor());
    }

    @Test
    void theBundledViTOnOneDnnMatchesSameDiff() throws Exception {
        vitParity(new OneDnnExecutor());
    }

    @Test
    void miniLmOnTheReferenceExecutorMatchesSameDiff() throws Exception {
        miniLmParity(new CpuReferenceExecutor());
    }

    @Test
    void miniLmOnOneDnnMatchesSameDiff() throws Exception {
        miniLmParity(new OneDnnExecutor());
    }

    private static void vitParity(PlanExecutor executor) throws Exception {
        String on = " [" + executor.name() + "]";
        VisionTransformer vit = VisionTransformer.load(Path.of("models/fashion-vit.zip"));
        INDArray images = bundledSamples(vit, 4);
        int[] targets = {0, 3, 7, 9};
        try (VitPlanModel plan = VitPlanModel.compile(vit, executor)) {
            VisionTransformer.Capture oracle = vit.capture(images);
            VisionTransformer.Capture ours = plan.capture(images);
            check("vit logits" + on, ours.logits(), oracle.logits());
            checkLayers("vit queries" + on, ours.queries(), oracle.queries());
            checkLayers("vit keys" + on, ours.keys(), oracle.keys());
            checkLayers("vit attention probabilities" + on, ours.probabilities(), oracle.probabilities());
            checkLayers("vit gate gradients (dS/dA * A)" + on, plan.attentionRelevance(images, targets), vit.attentionRelevance(images, targets));
            try (CpuBackend backend = new CpuBackend(2)) {
                int[] top = {-1, -1, 2, -1};
                VitAttention.Result a = VitAttention.explain(vit, backend, images, top, VitAttention.Settings.DEFAULTS);
                VitAttention.Result b = VitAttention.explain(plan, backend, images, top, VitAttention.Settings.DEFAULTS);
                assertArrayEquals(a.targets(), b.targets(), "the same top-1 classes");
                check("vit class-specific relevance map" + on, Nd4j.createFromArray(b.classSpecific()), Nd4j.createFromArray(a.classSpecific()));
                check("vit rollout map" + on, Nd4j.createFromArray(b.rollout()), Nd4j.createFromArray(a.rollout()));
            }
        }
    }

    private static void miniLmParity(PlanExecutor executor) throws Exception {
        String on = " [" + executor.name() + "]";
        MiniLm model = MiniLm.bundled();
        WordPiece vocabulary = WordPiece.bundled();
        // different lengths, so the shorter sentence is padded and the mask matters
        TextBatch batch = TextBatch.encode(vocabulary, List.of(
                new TextBatch.Input("The cat sat on the mat.", null, "a"),
                new TextBatch.Input("Stock markets fell sharply today after the announcement.", "Investors were worried.", "b")),
                64, w -> { });
        TextBatch reference = TextBatch.encode(vocabulary, List.of(new TextBatch.Input("A kitten is resting.", null, "ref")), 64, w -> { });
        try (MiniLmPlanModel plan = MiniLmPlanModel.compile(model, executor)) {
            MiniLm.Capture oracle = model.capture(batch);
            MiniLm.Capture ours = plan.capture(batch);
            check("minilm last hidden state" + on, ours.lastHiddenState(), oracle.lastHiddenState());
            check("minilm sentence embeddings" + on, ours.sentenceEmbeddings(), oracle.sentenceEmbeddings());
            checkLayers("minilm queries" + on, ours.queries(), oracle.queries());
            checkLayers("minilm keys" + on, ours.keys(), oracle.keys());
            checkLayers("minilm attention probabilities" + on, ours.probabilities(), oracle.probabilities());
            INDArray compare = model.capture(reference).sentenceEmbeddings().repeat(0, 2);
            check("minilm similarity saliency (gate gradient)" + on, plan.similaritySaliency(batch, compare), model.similaritySaliency(batch, compare));
        }
    }
}
