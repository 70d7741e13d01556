package dev.heed.toolkit.model;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.ResidentArray;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One forward pass whose layer state is kept for exactly one backward pass; close it to release the model. */
public interface ModelPass extends AutoCloseable {

    /** Logits {@code [n][classes]}. */
    INDArray logits();

    /** The captured layer's output, or null when nothing was captured. */
    INDArray captured();

    /**
     * Gradient of {@code sum_ij scoreWeights[i][j] * logits[i][j]} with respect to the captured layer's output, or to the
     * input when nothing was captured. The backward pass stops there and goes no further.
     */
    INDArray backward(INDArray scoreWeights);

    /**
     * {@link #captured()} as an array of a backend's scope, so that the map ops can chain on it where the backend
     * computes; null when nothing was captured. The default uploads the host array; a pass on the backend's GPU hands
     * its activations over without the host.
     */
    default ResidentArray captured(ArrayScope scope) {
        INDArray captured = captured();
        return captured == null ? null : upload(captured, scope);
    }

    /** {@link #backward(INDArray)} as an array of a backend's scope; the default uploads the host array. */
    default ResidentArray backward(INDArray scoreWeights, ArrayScope scope) {
        return upload(backward(scoreWeights), scope);
    }

    /** A float32 row-major copy of {@code array} in {@code scope}. */
    static ResidentArray upload(INDArray array, ArrayScope scope) {
        int[] shape = Arrays.stream(array.shape()).mapToInt(Math::toIntExact).toArray();
        return scope.upload(array.castTo(DataType.FLOAT).dup('c').reshape(array.length()).toFloatVector(), shape);
    }

    @Override
    void close();
}
