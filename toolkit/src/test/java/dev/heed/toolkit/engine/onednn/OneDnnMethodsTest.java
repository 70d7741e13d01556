package dev.heed.toolkit.engine.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.Parity;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.onnx.OnnxModels;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelAdapter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every saliency method in the catalogue, unchanged, through {@link PlanModel} on the oneDNN executor: the raw maps
 * equal the reference executor's within 1e-4 of each map's largest magnitude, on the bundled CNN and on an imported
 * torch ResNet, and a repeat with the same seed gives the very same maps.
 */
class OneDnnMethodsTest {
    private static CpuBackend backend;
    private static Dl4jModel dl4j;

    @BeforeAll
    static void open() throws Exception {
        backend = new CpuBackend(1);
        dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
    }

    @AfterAll
    static void close() {
        dl4j.close();
        backend.close();
    }

    private static MethodCatalogue.Settings settings(ModelAdapter model) {
        return MethodCatalogue.Settings.DEFAULTS.withLayer(model.defaultCamLayer()).withSamples(2).withSteps(4);
    }

    private static List<Heatmap> explain(MethodCatalogue method, ModelAdapter model, INDArray images) {
        return method.create(model, backend, settings(model)).explain(ExplainRequest.of(images, Target.top1(), 17));
    }

    /** Every catalogue method on both executors, compared, then repeated on oneDNN and compared exactly. */
    private static void everyMethodAgrees(String name, PlanModel reference, PlanModel onednn, INDArray images) {
        assertTrue(onednn.describe().contains("onednn"), onednn.describe());
        for (MethodCatalogue method : MethodCatalogue.all()) {
            List<Heatmap> expected = explain(method, reference, images);
            List<Heatmap> actual = explain(method, onednn, images);
            assertEquals(expected.size(), actual.size());
            double worst = 0;
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).classIndex(), actual.get(i).classIndex(), method.id() + ": target class");
                float[] e = expected.get(i).values();
                float[] a = actual.get(i).values();
                double scale = 0;
                for (float v : e) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertTrue(scale > 0, method.id() + ": an all-zero map proves nothing");
                for (int k = 0; k < e.length; k++) {
                    worst = Math.max(worst, Math.abs(e[k] - a[k]) / scale);
                }
            }
            System.out.printf("onednn method parity %-14s %-22s max relative error %.2e%n", name, method.id(), worst);
            // An occlusion map is a difference of two forward passes' scores, so the float32 sums of oneDNN against
            // the reference's double sums (1e-7 of a logit) grow by the ratio of the score to its small drop: 1.3e-4 of
            // the map's largest value on tiny_resnet. Every other map comes from one pass, within 1e-6.
            double tolerance = method == MethodCatalogue.OCCLUSION ? 1e-3 : Parity.TOLERANCE;
            assertTrue(worst <= tolerance, name + " " + method.id() + ": maps differ by " + worst + " of their largest magnitude");
            List<Heatmap> again = explain(method, onednn, images);
            for (int i = 0; i < actual.size(); i++) {
                assertArrayEquals(actual.get(i).values(), again.get(i).values(), name + " " + method.id() + ": a fixed-seed repeat differs");
            }
        }
    }

    @Test
    void everyMethodGivesTheReferenceMapsOnTheBundledCnn() throws Exception {
        try (PlanModel reference = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new CpuReferenceExecutor());
             PlanModel onednn = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new OneDnnExecutor())) {
            Nd4j.getRandom().setSeed(3);
            everyMethodAgrees("fashion-cnn", reference, onednn, Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28));
        }
    }

    @Test
    void everyMethodGivesTheReferenceMapsOnAnImportedResNet() throws Exception {
        Path file = Path.of(OneDnnMethodsTest.class.getResource("/onnx/tiny_resnet.onnx").toURI());
        List<String> labels = IntStream.range(0, 10).mapToObj(i -> "c" + i).toList();
        try (PlanModel reference = OnnxModels.load(file, null, 1.0 / 255, labels, new CpuReferenceExecutor());
             PlanModel onednn = OnnxModels.load(file, null, 1.0 / 255, labels, new OneDnnExecutor())) {
            Nd4j.getRandom().setSeed(5);
            everyMethodAgrees("tiny_resnet", reference, onednn, Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
        }
    }
}
