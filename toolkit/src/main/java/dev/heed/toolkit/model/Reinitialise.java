package dev.heed.toolkit.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Redraws a network's weights in place. Used where the weights themselves do not matter (benchmarks, architecture
 * tests) and where they are the point (randomisation sanity checks compare maps of trained and re-drawn weights).
 */
public final class Reinitialise {
    private Reinitialise() {
    }

    /**
     * He-normal weights, {@code N(0, 2 / fanIn)}, for every layer with a weight matrix or kernel {@code W}; biases and
     * BatchNorm parameters stay. DL4J's zoo draws every ResNet-50 kernel with a fixed standard deviation of 0.5, and
     * the untrained network then overflows to NaN; He initialisation keeps its activations finite.
     */
    public static void heNormal(Model network, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer layer : layersOf(network)) {
            heNormal(layer);
        }
    }

    /** He-normal weights for one layer; returns false (and changes nothing) for a layer without {@code W}. */
    public static boolean heNormal(Layer layer) {
        INDArray w = layer.paramTable().get("W");
        if (w == null) {
            return false;
        }
        long fanIn = w.rank() == 4 ? w.size(1) * w.size(2) * w.size(3) : w.size(0);
        layer.setParam("W", Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn)));
        return true;
    }

    /**
     * He-normal weights for one layer, drawn from a generator seeded with {@code seed} and owned by this call (not ND4J's
     * global one, so that nothing else running can change them); a layer without {@code W} is left as it is.
     */
    public static void heNormal(Layer layer, long seed) {
        INDArray w = layer.paramTable().get("W");
        if (w == null) {
            return;
        }
        long fanIn = w.rank() == 4 ? w.size(1) * w.size(2) * w.size(3) : w.size(0);
        double sigma = Math.sqrt(2.0 / fanIn);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        double[] values = new double[Math.toIntExact(w.length())];
        for (int i = 0; i < values.length; i++) {
            values[i] = sigma * random.nextGaussian();
        }
        layer.setParam("W", Nd4j.create(values, w.shape(), 'c').castTo(w.dataType()));
    }

    /** The layers of either kind of network, in the order DL4J keeps them (forward order for both). */
    public static Layer[] layersOf(Model network) {
        return network instanceof MultiLayerNetwork mln ? mln.getLayers() : ((ComputationGraph) network).getLayers();
    }
}
