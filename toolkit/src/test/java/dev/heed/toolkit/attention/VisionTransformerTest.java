package dev.heed.toolkit.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.model.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** A tiny randomly initialised ViT (a few training steps, so it is not symmetric) checks the attention plumbing. */
class VisionTransformerTest {
    private static final ModelCard CARD = new ModelCard(1, 12, 12, 1.0, List.of("a", "b", "c"));
    private static final VisionTransformer.Architecture ARCH =
            new VisionTransformer.Architecture(4, new TransformerSpec(2, 2, 8, 16, true, 1e-6));
    private static VisionTransformer vit;
    private static INDArray images;

    @BeforeAll
    static void trainBriefly() {
        vit = VisionTransformer.fresh(CARD, ARCH, 7, 1e-2);
        Nd4j.getRandom().setSeed(3);
        images = Nd4j.rand(DataType.FLOAT, 3, 1, 12, 12);
        INDArray labels = Nd4j.eye(3).castTo(DataType.FLOAT);
        for (int step = 0; step < 5; step++) {
            vit.fit(images, labels);
        }
    }

    @Test
    void attentionRecomputedFromQueriesAndKeysMatchesTheGraphsSoftmax() {
        VisionTransformer.Capture capture = vit.capture(images);
        try (CpuBackend backend = new CpuBackend(2)) {
            float[] recomputed = AttentionMaths.probabilities(backend, capture.queries(), capture.keys(), null, ARCH.encoder());
            float[] graph = AttentionMaths.stackLayers(capture.probabilities());
            assertEquals(3 * 2 * 2 * 10 * 10, recomputed.length);
            for (int i = 0; i < graph.length; i++) {
                assertEquals(graph[i], recomputed[i], 1e-5, "entry " + i);
            }
        }
        assertEquals(10, vit.tokens(), "9 patches and the class token");
    }

    @Test
    void relevanceIsTheGradientTimesAttentionByFiniteDifferences() {
        int[] targets = {0, 2, 1};
        List<INDArray> relevance = vit.attentionRelevance(images, targets);
        float h = 1e-2f;
        for (int layer = 0; layer < 2; layer++) {
            INDArray r = relevance.get(layer);
            long[] strongest = index(r, Transforms.abs(r, true).reshape(-1).argMax(0).getLong(0));
            for (long[] at : List.of(strongest, new long[] {1, 1, 0, 3}, new long[] {2, 0, 5, 0})) {
                double numeric = (vit.scoreWithGate(images, targets, layer, at, 1 + h) - vit.scoreWithGate(images, targets, layer, at, 1 - h)) / (2 * h);
                assertEquals(numeric, r.getDouble(at), 1e-3 + 0.02 * Math.abs(numeric), "layer " + layer + " at " + java.util.Arrays.toString(at));
            }
        }
    }

    private static long[] index(INDArray shapeOf, long flat) {
        long[] shape = shapeOf.shape();
        long[] out = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = flat % shape[d];
            flat /= shape[d];
        }
        return out;
    }

    @Test
    void rolloutOfTheClassTokenIsADistributionAndRelevanceIsNonNegative() {
        try (CpuBackend backend = new CpuBackend(2)) {
            VitAttention.Result r = VitAttention.explain(vit, backend, images, new int[] {-1, 1, -1}, new VitAttention.Settings(HeadFusion.MEAN, 0f));
            assertEquals(3, r.side());
            assertEquals(1, r.targets()[1]);
            for (int i = 0; i < 3; i++) {
                double patches = 0;
                for (float v : r.rollout(i)) {
                    assertTrue(v >= 0);
                    patches += v;
                }
                assertTrue(patches > 0 && patches < 1, "the class token keeps some of its own mass: " + patches);
                for (float v : r.classSpecific(i)) {
                    assertTrue(v >= 0, "relevance is built from positive parts only");
                }
                double sum = 0;
                for (float v : r.classToPatch(i, 1, 0)) {
                    sum += v;
                }
                assertTrue(sum <= 1 + 1e-6);
            }
        }
    }

    @Test
    void saveAndLoadGiveTheSameLogits(@TempDir Path dir) throws IOException {
        Path zip = dir.resolve("vit.zip");
        vit.save(zip);
        VisionTransformer back = VisionTransformer.load(zip);
        assertEquals(0.0, back.logits(images).sub(vit.logits(images)).amaxNumber().doubleValue(), 1e-6);
        assertEquals(ARCH, back.architecture());
        assertEquals(CARD, back.card());
    }

    @Test
    void aZipThatIsNotAViTIsAClearError() {
        Path cnn = Path.of("models/fashion-cnn.zip");
        IOException e = assertThrows(IOException.class, () -> VisionTransformer.load(cnn));
        assertEquals(cnn + ": not a Heed ViT model (heed.json has no vit architecture)", e.getMessage());
    }

    @Test
    void theBundledViTLoadsAndNamesMostBundledSamplesRight() throws Exception {
        VisionTransformer bundled = VisionTransformer.load(Path.of("models/fashion-vit.zip"));
        assertEquals(new TransformerSpec(4, 4, 64, 128, true, 1e-6), bundled.architecture().encoder());
        List<Path> samples;
        try (var files = java.nio.file.Files.list(Path.of("samples/fashion-mnist"))) {
            samples = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        float[] pixels = new float[samples.size() * 28 * 28];
        for (int i = 0; i < samples.size(); i++) {
            float[] one = dev.heed.toolkit.model.ModelInput.prepare(dev.heed.toolkit.io.InputImage.read(samples.get(i)), bundled.card(),
                    dev.heed.toolkit.model.ModelInput.Resize.STRETCH);
            System.arraycopy(one, 0, pixels, i * one.length, one.length);
        }
        INDArray predicted = bundled.logits(Nd4j.create(pixels, new long[] {samples.size(), 1, 28, 28}, 'c')).argMax(1);
        int correct = 0;
        for (int i = 0; i < samples.size(); i++) {
            String name = samples.get(i).getFileName().toString(); // 0003-trouser.png
            String label = name.substring(5, name.length() - 4).replace('-', ' ');
            correct += bundled.card().className(predicted.getInt(i)).replace('-', ' ').equals(label) ? 1 : 0;
        }
        // the test split accuracy is 84.4% (models/fashion-vit.train.log); 20 images allow some luck either way
        assertTrue(correct >= 14, correct + " of " + samples.size() + " bundled samples named right");
    }
}
