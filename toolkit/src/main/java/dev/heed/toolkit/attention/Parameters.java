package dev.heed.toolkit.attention;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hands a graph builder its trainable variables by name: from stored weights when there are any (checking the
 * shape), else freshly initialised from a seed. The names are the model file's names, so saving is a name-to-array
 * dump and loading is the reverse.
 */
public final class Parameters {
    private final SameDiff sd;
    private final Map<String, INDArray> stored;
    private final Map<String, SDVariable> created = new LinkedHashMap<>();
    private final boolean frozen;

    private Parameters(SameDiff sd, Map<String, INDArray> stored, long seed, boolean frozen) {
        this.sd = sd;
        this.stored = stored;
        this.frozen = frozen;
        Nd4j.getRandom().setSeed(seed);
    }

    /**
     * Stored weights as graph constants: for explanation graphs, where only gates are differentiated. SameDiff then
     * builds no weight gradients, which also avoids its Gather gradient (a loop that fails when built twice).
     */
    public static Parameters frozen(SameDiff sd, Map<String, INDArray> weights) {
        return new Parameters(sd, Map.copyOf(weights), 0, true);
    }

    /** Parameters taken from stored weights; a missing or misshapen one is an error naming it. */
    public static Parameters stored(SameDiff sd, Map<String, INDArray> weights) {
        return new Parameters(sd, Map.copyOf(weights), 0, false);
    }

    /** Parameters initialised from a seed, for training. */
    public static Parameters fresh(SameDiff sd, long seed) {
        return new Parameters(sd, null, seed, false);
    }

    /** A {@code [in, out]} matrix, Xavier-normal when fresh. */
    public SDVariable weight(String name, long in, long out) {
        return variable(name, new long[] {in, out}, () -> Nd4j.randn(DataType.FLOAT, in, out).muli(Math.sqrt(2.0 / (in + out))));
    }

    /** A bias or LayerNorm shift, zero when fresh. */
    public SDVariable zeros(String name, long... shape) {
        return variable(name, shape, () -> Nd4j.zeros(DataType.FLOAT, shape));
    }

    /** A LayerNorm gain, one when fresh. */
    public SDVariable ones(String name, long... shape) {
        return variable(name, shape, () -> Nd4j.ones(DataType.FLOAT, shape));
    }

    /** An embedding table or token, normal with standard deviation 0.02 when fresh (BERT's and ViT's choice). */
    public SDVariable embedding(String name, long... shape) {
        return variable(name, shape, () -> Nd4j.randn(DataType.FLOAT, shape).muli(0.02));
    }

    /** The current value of every parameter, by name, in creation order. */
    public Map<String, INDArray> values() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        created.forEach((name, v) -> out.put(name, v.getArr()));
        return out;
    }

    private SDVariable variable(String name, long[] shape, java.util.function.Supplier<INDArray> init) {
        INDArray value;
        if (stored == null) {
            value = init.get();
        } else {
            value = stored.get(name);
            if (value == null) {
                throw new IllegalArgumentException("the model has no weight named '" + name + "'");
            }
            if (!Arrays.equals(value.shape(), shape)) {
                throw new IllegalArgumentException("weight '" + name + "' has shape " + Arrays.toString(value.shape())
                        + ", expected " + Arrays.toString(shape));
            }
            value = value.castTo(DataType.FLOAT);
        }
        SDVariable v = frozen ? sd.constant(name, value) : sd.var(name, value);
        created.put(name, v);
        return v;
    }
}
