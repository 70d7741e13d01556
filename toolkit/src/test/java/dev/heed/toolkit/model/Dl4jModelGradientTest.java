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

    /** A 3x3 convolution with the given activation, then {@code middle}, then a softmax output, over 2x5x5 inputs. */
    private static MultiLayerNetwork convThen(org.nd4j.linalg.activations.Activation convActivation,
                                              org.deeplearning4j.nn.conf.layers.Layer middle) {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4).activation(convActivation).build())
                .layer(middle)
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(5, 5, 2)).build());
        net.init();
        return net;
    }

    /** DL4J's ActivationLayer overwrites its input in inference mode; every function must still back-propagate right. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = org.nd4j.linalg.activations.Activation.class,
            names = {"TANH", "RELU", "SIGMOID", "SOFTPLUS", "ELU", "LEAKYRELU"})
    void activationLayersBackPropagateAtTheirInput(org.nd4j.linalg.activations.Activation activation) {
        MultiLayerNetwork net = convThen(org.nd4j.linalg.activations.Activation.IDENTITY,
                new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().activation(activation).build());
        assertMatchesFiniteDifferences(net, new int[] {2, 5, 5}, 3);
    }

    /** BatchNorm with running statistics far from the identity, with and without an activation in its configuration. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = org.nd4j.linalg.activations.Activation.class, names = {"IDENTITY", "SIGMOID"})
    void batchNormUsesItsRunningStatistics(org.nd4j.linalg.activations.Activation activation) {
        MultiLayerNetwork net = convThen(org.nd4j.linalg.activations.Activation.TANH,
                new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().activation(activation).build());
        TestModels.randomizeBatchNormStatistics(net.getLayer(1), 8);
        assertMatchesFiniteDifferences(net, new int[] {2, 5, 5}, 3);
    }

    /** Convolutions whose input gradient is computed here: asymmetric Same padding, explicit padding, dilation. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"Same,2,0,1", "Truncate,2,1,1", "Same,1,0,2", "Truncate,1,0,2", "Same,3,0,1"})
    void convolutionInputGradientsMatchFiniteDifferences(String mode, int stride, int padding, int dilation) {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.DOUBLE).list()
                .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(3).stride(stride, stride)
                        .padding(padding, padding).dilation(dilation, dilation)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.valueOf(mode))
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(5)
                        .activation(org.nd4j.linalg.activations.Activation.SIGMOID).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(7, 8, 2)).build());
        net.init();
        assertMatchesFiniteDifferences(net, new int[] {2, 7, 8}, 3);
    }

    @Test
    void noWeightGradientIsComputedForTheBundledArchitecture() {
        Dl4jModel model = Dl4jModel.of(dev.heed.toolkit.model.FashionCnn.build(1), TestModels.card(1, 28, 28, 10), "t");
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 1, 28, 28);
        try (ModelPass pass = model.forward(x, null)) {
            pass.backward(Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 10));
        }
        assertEquals(0.0, model.weightGradientBuffer().norm1Number().doubleValue(),
                "conv, dense and BatchNorm layers must not write weight gradients");
    }

    @Test
    void frozenLayersOfATransferLearnedNetworkStillPassGradients() {
        MultiLayerNetwork base = TestModels.cnnWithBatchNormAndDropout(4);
        MultiLayerNetwork transferred = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(base.clone())
                .setFeatureExtractor(4)
                .build();
        assertTrue(transferred.getLayer(0) instanceof org.deeplearning4j.nn.layers.FrozenLayer);
        assertMatchesFiniteDifferences(transferred, new int[] {2, 6, 6}, 3);
    }

    @Test
    void denseLayersWithLayerNormFallBackToDl4jBackprop() {
        MultiLayerNetwork net = convThen(org.nd4j.linalg.activations.Activation.TANH,
                new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(6).hasLayerNorm(true)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build());
        assertMatchesFiniteDifferences(net, new int[] {2, 5, 5}, 3);
    }

    @Test
    void aDeadEndBranchOfAGraphIsNeitherRunNorTakenForTheOutput() {
        ComputationGraph graph = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(2).dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build(), "in")
                .addLayer("scores", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "conv")
                .addLayer("auxiliary", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(7)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build(), "conv")
                .setOutputs("scores")
                .allowDisconnected(true)
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(5, 5, 2))
                .build());
        graph.init();
        Dl4jModel model = Dl4jModel.of(graph, TestModels.card(2, 5, 5, 3), "t");
        assertEquals(3, model.numClasses());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 5);
        INDArray probabilities = org.nd4j.linalg.ops.transforms.Transforms.softmax(model.logits(x));
        assertTrue(probabilities.equalsWithEps(graph.outputSingle(x), 1e-10), probabilities + " vs " + graph.outputSingle(x));
        assertMatchesFiniteDifferences(graph, new int[] {2, 5, 5}, 3);
    }

    @Test
    void aSecondPassOnTheSameThreadIsRefused() {
        Dl4jModel model = Dl4jModel.of(TestModels.cnnWithBatchNormAndDropout(3), TestModels.card(2, 6, 6, 3), "t");
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 2, 6, 6);
        try (ModelPass first = model.forward(x, null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.logits(x));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
        model.close();
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
        INDArray firstClass = Nd4j.zeros(DataType.DOUBLE, 4, 3);
        for (int i = 0; i < 4; i++) {
            firstClass.putScalar(i, 0, 1.0);
        }
        INDArray ours;
        try (ModelPass pass = model.forward(x, null)) {
            ours = pass.backward(firstClass);
        }
        // DL4J's loss gradient for the same labels, training mode: compare directions, since the scales differ.
        INDArray dl4jTraining = net.calculateGradients(x, firstClass, null, null).getSecond().reshape(ours.shape());
        double cosine = ours.mul(dl4jTraining).sumNumber().doubleValue()
                / (ours.norm2Number().doubleValue() * dl4jTraining.norm2Number().doubleValue());
        assertTrue(Math.abs(cosine) < 0.99, "inference and training-mode gradients should differ; cosine " + cosine);
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
