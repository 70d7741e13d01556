package dev.heed.toolkit.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Guided backprop through one ReLU layer, against the rule written out by hand. */
class GuidedBackpropTest {
    private static final double[][] W1 = {{1, -2, 0.5}, {-1, 1, 1}, {2, 0.5, -1}, {0.5, -1, 2}};
    private static final double[][] W2 = {{1, -1}, {-2, 1}, {0.5, 2}};
    private static final double[] X = {0.3, -0.2, 0.5, 0.1};

    private static MultiLayerNetwork net() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nOut(3).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(2, 2, 1)).build());
        net.init();
        net.getLayer(0).setParam("W", Nd4j.create(W1));
        net.getLayer(0).setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 3));
        net.getLayer(1).setParam("W", Nd4j.create(W2));
        net.getLayer(1).setParam("b", Nd4j.zeros(DataType.DOUBLE, 1, 2));
        return net;
    }

    private static INDArray gradient(ModelAdapter model, int cls) {
        try (ModelPass pass = model.forward(Nd4j.create(X).reshape(1, 1, 2, 2), null)) {
            INDArray w = Nd4j.zeros(DataType.DOUBLE, 1, 2);
            w.putScalar(0, cls, 1);
            return pass.backward(w);
        }
    }

    @Test
    void guidedGradientPassesOnlyPositiveGradientsAtPositiveInputs() {
        Dl4jModel model = Dl4jModel.of(net(), TestModels.card(1, 2, 2, 2), "t");
        for (int cls = 0; cls < 2; cls++) {
            double[] z = new double[3];
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 4; i++) {
                    z[j] += X[i] * W1[i][j];
                }
            }
            double[] plain = new double[4];
            double[] guided = new double[4];
            for (int j = 0; j < 3; j++) {
                double upstream = W2[j][cls];
                double plainHidden = z[j] > 0 ? upstream : 0;
                double guidedHidden = z[j] > 0 && upstream > 0 ? upstream : 0;
                for (int i = 0; i < 4; i++) {
                    plain[i] += W1[i][j] * plainHidden;
                    guided[i] += W1[i][j] * guidedHidden;
                }
            }
            assertArrayEquals(plain, gradient(model, cls).reshape(4).toDoubleVector(), 1e-12, "plain gradient, class " + cls);
            assertArrayEquals(guided, gradient(model.guided(), cls).reshape(4).toDoubleVector(), 1e-12, "guided gradient, class " + cls);
        }
        INDArray x = Nd4j.create(X).reshape(1, 1, 2, 2);
        assertEquals(model.logits(x), model.guided().logits(x), "the guided twin changes only the backward pass");
    }
}
