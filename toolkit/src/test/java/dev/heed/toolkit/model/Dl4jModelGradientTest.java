package dev.heed.toolkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Input gradients of the logits against central finite differences of the inference-mode forward pass. */
class Dl4jModelGradientTest {

    private static void assertMatchesFiniteDifferences(Model network, int[] shape, int classes) {
        Dl4jModel model = Dl4jModel.of(network, TestModels.card(shape[0], shape[1], shape[2], classes), "test");
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, shape[0], shape[1], shape[2]).subi(0.5).muli(2);
        INDArray weights = Nd4j.create(new double[][] {{1, 0, 0}, {0, 0.5, -2}});
        INDArray analytic;
        try (ModelPass pass = model.forward(x, null)) {
            analytic = pass.backward(weights);
        }
        double eps = 1e-6;
        double worst = 0;
        INDArray flat = x.dup();
        for (int k = 0; k < flat.length(); k++) {
            double original = flat.getDouble(k);
            flat.putScalar(k, original + eps);
            double plus = model.logits(flat).mul(weights).sumNumber().doubleValue();
            flat.putScalar(k, original - eps);
            double minus = model.logits(flat).mul(weights).sumNumber().doubleValue();
            flat.putScalar(k, original);
            double numeric = (plus - minus) / (2 * eps);
            worst = Math.max(worst, Math.abs(numeric - analytic.getDouble(k)) / Math.max(1e-3, Math.abs(numeric)));
        }
        assertTrue(worst < 1e-5, "worst relative error against finite differences: " + worst);
    }

    @Test
    void multiLayerNetworkGradientMatchesFiniteDifferencesInInferenceMode() {
        assertMatchesFiniteDifferences(TestModels.cnnWithBatchNormAndDropout(3), new int[] {2, 6, 6}, 3);
    }

    @Test
    void computationGraphGradientAccumulatesOverBranches() {
        assertMatchesFiniteDifferences(TestModels.residualGraph(5), new int[] {2, 5, 5}, 3);
    }

    @Test
    void inferenceGradientDiffersFromTrainingModeBackprop() {
        // The reason the adapter exists: DL4J's own backprop uses batch statistics and dropout.
        MultiLayerNetwork net = TestModels.cnnWithBatchNormAndDropout(3);
        Dl4jModel model = Dl4jModel.of(net, TestModels.card(2, 6, 6, 3), "test");
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 6, 6);
        INDArray ours;
        try (ModelPass pass = model.forward(x, null)) {
            ours = pass.backward(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, 4, 3).putColumn(0, Nd4j.ones(DataType.DOUBLE, 4, 1)));
        }
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 4, 3).putColumn(0, Nd4j.ones(DataType.DOUBLE, 4, 1));
        INDArray dl4jTraining = net.calculateGradients(x, labels, null, null).getSecond();
        assertTrue(ours.sub(dl4jTraining.reshape(ours.shape())).norm2Number().doubleValue() > 1e-3);
    }

    @Test
    void theCallersNetworkIsNotModified() {
        MultiLayerNetwork net = TestModels.cnnWithBatchNormAndDropout(3);
        INDArray params = net.params().dup();
        Dl4jModel model = Dl4jModel.of(net, TestModels.card(2, 6, 6, 3), "test");
        model.guided();
        assertNotNull(net.getLayerWiseConfigurations().getConf(5).getLayer().getIDropout(), "dropout of the caller's net removed");
        assertEquals(params, net.params());
    }

    @Test
    void spatialLayersAreListedAndUnknownNamesListCandidates() {
        Dl4jModel model = Dl4jModel.of(TestModels.cnnWithBatchNormAndDropout(3), TestModels.card(2, 6, 6, 3), "test");
        assertEquals(java.util.List.of("conv1", "bn1", "relu1", "pool1", "conv2"), model.spatialLayers());
        assertEquals("conv2", model.defaultCamLayer());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.requireSpatialLayer("conv9"));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("conv1, bn1"), e.getMessage());
    }

    @Test
    void wrongInputShapeIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dl4jModel.of(TestModels.cnnWithBatchNormAndDropout(3), TestModels.card(2, 7, 7, 3), "test"));
        assertTrue(e.getMessage().contains("does not accept inputs of shape [2, 7, 7]"), e.getMessage());
    }
}
