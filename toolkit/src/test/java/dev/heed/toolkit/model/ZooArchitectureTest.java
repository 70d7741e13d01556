package dev.heed.toolkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.cam.GradCam;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's zoo ResNet-50 (random weights: the pretrained ones would need a download) through the adapter: a real
 * ComputationGraph with zero padding, BatchNorm, residual adds and global pooling.
 */
class ZooArchitectureTest {
    @Test
    void resNet50GradCamAndInputGradientWithoutWeightGradients() {
        ComputationGraph graph = ResNet50.builder().numClasses(10).seed(1).inputShape(new int[] {3, 112, 112}).build().init();
        Reinitialise.heNormal(graph, 3);
        INDArray probabilities = graph.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, 112, 112));
        assertTrue(!probabilities.isNaN().any() && !probabilities.isInfinite().any(), probabilities.toString());
        Dl4jModel model = Dl4jModel.of(graph, TestModels.card(3, 112, 112, 10), "resnet50");
        assertTrue(model.spatialLayers().size() > 100, "ResNet-50 has well over a hundred spatial layers: " + model.spatialLayers().size());
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 112, 112);

        try (ModelPass pass = model.forward(x, null)) {
            INDArray gradient = pass.backward(Nd4j.ones(DataType.FLOAT, 1, 10));
            assertEquals(List.of(1L, 3L, 112L, 112L), List.of(gradient.size(0), gradient.size(1), gradient.size(2), gradient.size(3)));
            assertTrue(gradient.norm2Number().doubleValue() > 0);
        }
        assertEquals(0.0, model.weightGradientBuffer().norm1Number().doubleValue(),
                "no convolution, BatchNorm or dense layer of ResNet-50 may write a weight gradient");

        try (CpuBackend backend = new CpuBackend(2)) {
            List<Heatmap> maps = new GradCam(model, backend, null).explain(ExplainRequest.of(x, Target.top1(), 0));
            assertEquals(1, maps.size());
            float max = 0;
            for (float v : maps.get(0).values()) {
                assertTrue(v >= 0 && Float.isFinite(v));
                max = Math.max(max, v);
            }
            assertTrue(max > 0, "a random ResNet still has some positive evidence for its top class");
        }
    }
}
