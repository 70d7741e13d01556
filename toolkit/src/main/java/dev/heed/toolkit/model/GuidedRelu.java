package dev.heed.toolkit.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU whose backward pass lets through only positive gradients at positive inputs (Springenberg et al., 2015,
 * "Striving for Simplicity: The All Convolutional Net"). The forward pass is the plain ReLU.
 */
final class GuidedRelu extends ActivationReLU {
    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        // DL4J's ReLU backprop writes into its arguments, so take the sign of the incoming gradient first.
        INDArray positiveGradient = epsilon.gt(0).castTo(epsilon.dataType());
        Pair<INDArray, INDArray> result = super.backprop(in, epsilon);
        result.getFirst().muli(positiveGradient);
        return result;
    }
}
