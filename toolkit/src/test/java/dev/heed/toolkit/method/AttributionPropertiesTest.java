package dev.heed.toolkit.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.method.perturbation.Occlusion;
import dev.heed.toolkit.method.smoothing.SmoothGrad;
import dev.heed.toolkit.model.Dl4jModel;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Integrated Gradients' completeness, SmoothGrad's seeding, occlusion by hand. */
class AttributionPropertiesTest {
    private final CpuBackend backend = new CpuBackend(2);
    private final Dl4jModel model = Dl4jModel.of(TestModels.cnnWithBatchNormAndDropout(21), TestModels.card(2, 6, 6, 3), "t");

    @AfterEach
    void close() {
        backend.close();
    }

    private static INDArray image() {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(DataType.DOUBLE, 1, 2, 6, 6).muli(2);
    }

    private double gap(int steps) {
        Heatmap map = new IntegratedGradients(model, backend, steps, 0.0).explain(ExplainRequest.of(image(), Target.top1(), 0)).get(0);
        return map.diagnostics().get("completenessGap");
    }

    @Test
    void integratedGradientsCompletenessGapShrinksWithSteps() {
        double g1 = gap(1);
        double g4 = gap(4);
        double g64 = gap(64);
        assertTrue(g4 < g1, "gap(4)=" + g4 + " gap(1)=" + g1);
        assertTrue(g64 < g4, "gap(64)=" + g64 + " gap(4)=" + g4);
        assertTrue(g64 < 1e-3, "gap(64)=" + g64);
    }

    @Test
    void integratedGradientsOnALinearModelIsExactWithOneStep() {
        Dl4jModel linear = Dl4jModel.of(TestModels.handBuiltCamNet(), TestModels.card(1, 4, 4, 2), "hand");
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 1, 4, 4);
        Heatmap map = new IntegratedGradients(linear, backend, 1, 0.0).explain(ExplainRequest.of(x, new Target.ClassIndex(0), 0)).get(0);
        assertEquals(0.0, map.diagnostics().get("completenessGap"), 1e-9);
        // logit 0 = (1 + 2 * 0.5) * sum(x) / 4, so every pixel's attribution is x / 2
        assertArrayEquals(x.muli(0.5).reshape(16).toFloatVector(), map.values(), 1e-6f);
    }

    @Test
    void smoothGradIsReproducibleAndSeedDependent() {
        ExplainRequest a = new ExplainRequest(image(), Target.top1(), new long[] {5});
        ExplainRequest b = new ExplainRequest(image(), Target.top1(), new long[] {6});
        SmoothGrad smooth = new SmoothGrad(new VanillaGradient(model, backend), 8, 0.2);
        float[] first = smooth.explain(a).get(0).values();
        assertArrayEquals(first, smooth.explain(a).get(0).values());
        assertFalse(Arrays.equals(first, smooth.explain(b).get(0).values()));
    }

    @Test
    void smoothGradWithoutNoiseIsTheInnerMethod() {
        ExplainRequest r = ExplainRequest.of(image(), Target.top1(), 1);
        VanillaGradient vanilla = new VanillaGradient(model, backend);
        assertArrayEquals(vanilla.explain(r).get(0).values(), new SmoothGrad(vanilla, 3, 0.0).explain(r).get(0).values(), 1e-6f);
    }

    @Test
    void occlusionOnTheHandBuiltNet() {
        // logit 0 = (W00 + 2 W10) * sum(s) / 4 = sum(s) / 2; occluding block b (window 2, stride 2, baseline 0)
        // drops it by s_b / 2, with block sums s = [[1, 2], [3, -4]].
        Dl4jModel linear = Dl4jModel.of(TestModels.handBuiltCamNet(), TestModels.card(1, 4, 4, 2), "hand");
        INDArray x = Nd4j.create(new double[][] {
            {0.25, 0.25, 0.5, 0.5}, {0.25, 0.25, 0.5, 0.5}, {0.75, 0.75, -1, -1}, {0.75, 0.75, -1, -1}}).reshape(1, 1, 4, 4);
        float[] map = new Occlusion(linear, backend, 2, 2, 0.0).explain(ExplainRequest.of(x, new Target.ClassIndex(0), 0)).get(0).values();
        float[] expected = {
            0.5f, 0.5f, 1f, 1f,
            0.5f, 0.5f, 1f, 1f,
            1.5f, 1.5f, -2f, -2f,
            1.5f, 1.5f, -2f, -2f};
        assertArrayEquals(expected, map, 1e-6f);
    }
}
