package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.cam.GradCamPlusPlus;
import dev.heed.toolkit.method.gradient.GradientTimesInput;
import dev.heed.toolkit.method.gradient.GuidedBackprop;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.method.perturbation.Occlusion;
import dev.heed.toolkit.method.smoothing.SmoothGrad;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every saliency method, unchanged, on the bundled CNN through {@link PlanModel} (the plan on the reference executor)
 * and through {@link Dl4jModel}: the raw maps agree within 1e-4 of each map's largest magnitude.
 */
class PlanModelMethodsTest {
    private static Dl4jModel dl4j;
    private static PlanModel engine;
    private static CpuBackend backend;
    private static INDArray images;

    @BeforeAll
    static void load() throws Exception {
        dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
        engine = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(), new CpuReferenceExecutor());
        backend = new CpuBackend(1);
        Nd4j.getRandom().setSeed(3);
        images = Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28);
    }

    @AfterAll
    static void close() {
        backend.close();
        engine.close();
        dl4j.close();
    }

    private static void assertSameMaps(String name, Function<ModelAdapter, SaliencyMethod> method) {
        ExplainRequest request = ExplainRequest.of(images, Target.top1(), 17);
        List<Heatmap> expected = method.apply(dl4j).explain(request);
        List<Heatmap> actual = method.apply(engine).explain(request);
        assertEquals(expected.size(), actual.size());
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).classIndex(), actual.get(i).classIndex(), name + ": target class");
            float[] e = expected.get(i).values();
            float[] a = actual.get(i).values();
            double scale = 0;
            for (float v : e) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0, name + ": an all-zero map proves nothing");
            for (int k = 0; k < e.length; k++) {
                worst = Math.max(worst, Math.abs(e[k] - a[k]) / scale);
            }
        }
        System.out.printf("parity %-48s max relative error %.2e%n", "method " + name, worst);
        assertTrue(worst <= Parity.TOLERANCE, name + ": maps differ by " + worst + " of their largest magnitude");
    }

    @Test
    void theAdapterDescribesTheSameModel() {
        assertEquals(dl4j.spatialLayers(), engine.spatialLayers());
        assertEquals(dl4j.numClasses(), engine.numClasses());
        assertEquals("pool2", engine.defaultCamLayer());
        assertTrue(engine.describe().startsWith("plan on cpu-reference"), engine.describe());
    }

    @Test
    void gradientMethodsAgree() {
        assertSameMaps("gradient", m -> new VanillaGradient(m, backend));
        assertSameMaps("gradxinput", m -> new GradientTimesInput(m, backend));
        assertSameMaps("guided-backprop", m -> new GuidedBackprop(m, backend));
        assertSameMaps("integrated-gradients", m -> new IntegratedGradients(m, backend, 4, 0.0));
        assertSameMaps("smoothgrad", m -> new SmoothGrad(new VanillaGradient(m, backend), 2, 0.15));
    }

    @Test
    void camMethodsAgree() {
        assertSameMaps("gradcam", m -> new GradCam(m, backend, "pool2"));
        assertSameMaps("gradcam++", m -> new GradCamPlusPlus(m, backend, "relu2"));
    }

    @Test
    void occlusionAgrees() {
        assertSameMaps("occlusion", m -> new Occlusion(m, backend, 7, 7, 0.0));
    }
}
