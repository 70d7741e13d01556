package dev.heed.toolkit.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.Dl4jModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Contracts every method in the catalogue keeps: shapes and order, batch independence, untouched inputs. */
class MethodCatalogueTest {
    private static final CpuBackend BACKEND = new CpuBackend(2);
    private static final Dl4jModel MODEL = Dl4jModel.of(TestModels.cnnWithBatchNormAndDropout(11), TestModels.card(2, 6, 6, 3), "t");
    private static final MethodCatalogue.Settings SETTINGS = MethodCatalogue.Settings.DEFAULTS.withSamples(4).withNoiseLevel(0.2).withSteps(8)
            .withWindow(2).withStride(2);

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    private static INDArray images(int n) {
        Nd4j.getRandom().setSeed(99);
        return Nd4j.rand(DataType.DOUBLE, n, 2, 6, 6);
    }

    private static SaliencyMethod method(MethodCatalogue m) {
        return m.create(MODEL, BACKEND, SETTINGS);
    }

    @ParameterizedTest
    @MethodSource("dev.heed.toolkit.method.catalogue.MethodCatalogue#all")
    void allTargetsGiveOneMapPerClassImageMajor(MethodCatalogue m) {
        List<Heatmap> maps = method(m).explain(ExplainRequest.of(images(2), new Target.AllClasses(), 5));
        assertEquals(6, maps.size());
        for (int k = 0; k < 6; k++) {
            assertEquals(k / 3, maps.get(k).imageIndex());
            assertEquals(k % 3, maps.get(k).classIndex());
            assertEquals(6, maps.get(k).height());
            assertEquals(6, maps.get(k).width());
            for (float v : maps.get(k).values()) {
                assertTrue(Float.isFinite(v), m.id() + " produced a non-finite value");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.heed.toolkit.method.catalogue.MethodCatalogue#all")
    void topKFollowsTheLogits(MethodCatalogue m) {
        INDArray x = images(3);
        INDArray logits = MODEL.logits(x);
        List<Heatmap> maps = method(m).explain(ExplainRequest.of(x, new Target.TopK(2), 5));
        assertEquals(6, maps.size());
        for (int i = 0; i < 3; i++) {
            int best = logits.getRow(i).argMax().getInt(0);
            assertEquals(best, maps.get(2 * i).classIndex());
            assertEquals(logits.getDouble(i, best), maps.get(2 * i).score(), 1e-5);
            assertTrue(maps.get(2 * i).score() >= maps.get(2 * i + 1).score());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.heed.toolkit.method.catalogue.MethodCatalogue#all")
    void batchGivesTheSameMapsAsOneByOne(MethodCatalogue m) {
        INDArray x = images(3);
        long[] seeds = {101, 202, 303};
        List<Heatmap> batched = method(m).explain(new ExplainRequest(x, Target.top1(), seeds));
        for (int i = 0; i < 3; i++) {
            INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1)).dup();
            Heatmap single = method(m).explain(new ExplainRequest(one, Target.top1(), new long[] {seeds[i]})).get(0);
            assertEquals(single.classIndex(), batched.get(i).classIndex());
            assertArrayEquals(single.values(), batched.get(i).values(), 1e-6f, m.id() + " image " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.heed.toolkit.method.catalogue.MethodCatalogue#all")
    void inputsAreNotModified(MethodCatalogue m) {
        INDArray x = images(2);
        INDArray before = x.dup();
        method(m).explain(ExplainRequest.of(x, new Target.TopK(2), 1));
        assertEquals(before, x);
    }

    @ParameterizedTest
    @MethodSource("dev.heed.toolkit.method.catalogue.MethodCatalogue#all")
    void everyMethodHasAPaperAndARoundTrippingId(MethodCatalogue m) {
        assertEquals(m, MethodCatalogue.fromId(m.id()));
        assertTrue(m.paper().matches(".*(19|20)\\d\\d.*"), m.paper());
    }

    @org.junit.jupiter.api.Test
    void unknownIdListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MethodCatalogue.fromId("lime"));
        assertTrue(e.getMessage().contains("gradcam++") && e.getMessage().contains("occlusion"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void smoothGradWrapsAnyMethodButItself() {
        for (MethodCatalogue inner : List.of(MethodCatalogue.GRADIENT_TIMES_INPUT, MethodCatalogue.INTEGRATED_GRADIENTS,
                MethodCatalogue.GUIDED_BACKPROP, MethodCatalogue.GRADCAM, MethodCatalogue.OCCLUSION)) {
            MethodCatalogue.Settings s = SETTINGS.withSamples(2).withNoiseLevel(0.1).withSteps(4).withSmoothed(inner.id());
            SaliencyMethod smooth = MethodCatalogue.SMOOTHGRAD.create(MODEL, BACKEND, s);
            assertEquals(inner.id(), smooth.parameters().get("inner"));
            assertEquals(2, smooth.explain(ExplainRequest.of(images(2), Target.top1(), 3)).size());
        }
        MethodCatalogue.Settings itself = SETTINGS.withSmoothed("smoothgrad");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MethodCatalogue.SMOOTHGRAD.create(MODEL, BACKEND, itself));
        assertTrue(e.getMessage().contains("cannot average itself"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void smoothedGradCamIsTheMeanOfGradCamOverTheSameNoisyCopies() {
        // Zero noise: every copy is the image, so the smoothed map must be Grad-CAM's map exactly (up to the 1/n sums).
        MethodCatalogue.Settings s = SETTINGS.withSamples(3).withNoiseLevel(0).withSmoothed("gradcam");
        List<Heatmap> smooth = MethodCatalogue.SMOOTHGRAD.create(MODEL, BACKEND, s).explain(ExplainRequest.of(images(2), new Target.TopK(2), 5));
        List<Heatmap> plain = MethodCatalogue.GRADCAM.create(MODEL, BACKEND, s).explain(ExplainRequest.of(images(2), new Target.TopK(2), 5));
        assertEquals(plain.size(), smooth.size());
        for (int k = 0; k < plain.size(); k++) {
            assertEquals(plain.get(k).imageIndex(), smooth.get(k).imageIndex());
            assertEquals(plain.get(k).classIndex(), smooth.get(k).classIndex());
            assertEquals(plain.get(k).score(), smooth.get(k).score(), 1e-6f);
            for (int p = 0; p < plain.get(k).values().length; p++) {
                assertEquals(plain.get(k).values()[p], smooth.get(k).values()[p], 1e-5f * (1 + Math.abs(plain.get(k).values()[p])));
            }
        }
        // With noise the map changes, and the same seed gives the same map.
        MethodCatalogue.Settings noisy = s.withNoiseLevel(0.3);
        float[] a = MethodCatalogue.SMOOTHGRAD.create(MODEL, BACKEND, noisy).explain(ExplainRequest.of(images(1), Target.top1(), 9)).get(0).values();
        float[] b = MethodCatalogue.SMOOTHGRAD.create(MODEL, BACKEND, noisy).explain(ExplainRequest.of(images(1), Target.top1(), 9)).get(0).values();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }

    @org.junit.jupiter.api.Test
    void unknownClassIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> method(MethodCatalogue.GRADIENT).explain(ExplainRequest.of(images(1), new Target.ClassIndex(7), 0)));
        assertTrue(e.getMessage().contains("unknown class 7"), e.getMessage());
    }
}
