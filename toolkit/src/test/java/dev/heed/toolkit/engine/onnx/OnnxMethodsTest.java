package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.Parity;
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
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every saliency method, unchanged, on an imported torch export through {@link PlanModel}: the vanilla-gradient map
 * is torch's {@code max_c |dS/dx|} within 1e-4, and every other method gives finite, non-constant maps of the input's
 * size (there is no torch reference for them here yet).
 */
class OnnxMethodsTest {
    private static PlanModel model;
    private static CpuBackend backend;
    private static HostTensor input;

    @BeforeAll
    static void load() throws Exception {
        model = OnnxModels.load(OnnxTestModels.resource("tiny_resnet.onnx"), null, 1.0 / 255,
                IntStream.range(0, 10).mapToObj(i -> "c" + i).toList(), new CpuReferenceExecutor());
        assertEquals(List.of(3, 32, 32), List.of(model.card().channels(), model.card().height(), model.card().width()));
        backend = new CpuBackend(1);
        input = OnnxTestModels.npy("tiny_resnet.input.npy", OnnxTestModels.INPUT_SHAPE);
    }

    @AfterAll
    static void close() {
        backend.close();
        model.close();
    }

    private static List<Heatmap> explain(SaliencyMethod method, Target target) {
        return method.explain(ExplainRequest.of(Parity.nd(input, DataType.FLOAT), target, 17));
    }

    @Test
    void theVanillaGradientMapIsTorchsGradient() throws Exception {
        // make_models.py differentiates class 3 for image 0.
        Heatmap map = explain(new VanillaGradient(model, backend), new Target.ClassIndex(OnnxTestModels.CLASSES[0])).get(0);
        HostTensor grad = OnnxTestModels.npy("tiny_resnet.grad.npy", OnnxTestModels.INPUT_SHAPE);
        int pixels = 32 * 32;
        float[] expected = new float[pixels];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < pixels; p++) {
                expected[p] = Math.max(expected[p], Math.abs(grad.data()[c * pixels + p]));
            }
        }
        OnnxPlanImporterTest.assertClose("tiny_resnet gradient map vs torch", new HostTensor(new int[] {32, 32}, expected),
                new HostTensor(new int[] {32, 32}, map.values()));
    }

    @Test
    void everyMethodRunsOnTheImportedPlan() {
        // The last spatial capture point: the AveragePool before global pooling, by node name (named after its output).
        assertEquals("/avg/AveragePool", model.defaultCamLayer());
        List<SaliencyMethod> methods = List.of(
                new GradientTimesInput(model, backend),
                new GuidedBackprop(model, backend),
                new IntegratedGradients(model, backend, 4, 0.0),
                new SmoothGrad(new VanillaGradient(model, backend), 2, 0.15),
                new GradCam(model, backend, model.defaultCamLayer()),
                new GradCamPlusPlus(model, backend, "/block2/relu_1/Relu"),
                new Occlusion(model, backend, 8, 8, 0.0));
        for (SaliencyMethod method : methods) {
            List<Heatmap> maps = explain(method, Target.top1());
            assertEquals(2, maps.size(), method.getClass().getSimpleName());
            for (Heatmap map : maps) {
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (float v : map.values()) {
                    assertTrue(Float.isFinite(v), method.getClass().getSimpleName() + ": a non-finite value");
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                assertTrue(hi > lo, method.getClass().getSimpleName() + ": a constant map");
                System.out.printf("onnx method %-20s image %d class %d map %dx%d range [%.3g, %.3g]%n",
                        method.getClass().getSimpleName(), map.imageIndex(), map.classIndex(), map.height(), map.width(), lo, hi);
            }
        }
    }
}
