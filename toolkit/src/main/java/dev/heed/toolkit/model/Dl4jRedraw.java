package dev.heed.toolkit.model;

import java.util.function.BiFunction;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A DL4J network's layers as a {@link RedrawableModel}: a copy is a clone whose chosen layers get He-normal {@code W}
 * ({@link Reinitialise#heNormal(Layer, long)}), handed to {@code adapters} to be explained where the trained network
 * is (the DL4J twin, or a plan compiled on Heed's engine).
 */
public final class Dl4jRedraw implements RedrawableModel {
    private final Model network;
    private final Layer[] layers;
    private final BiFunction<Model, String, ModelAdapter> adapters;

    private Dl4jRedraw(Model network, BiFunction<Model, String, ModelAdapter> adapters) {
        this.network = network;
        this.layers = Reinitialise.layersOf(network);
        this.adapters = adapters;
    }

    /** {@code adapters} wraps a re-drawn clone and a name for provenance into the adapter its maps are made with. */
    public static Dl4jRedraw of(Model network, BiFunction<Model, String, ModelAdapter> adapters) {
        return new Dl4jRedraw(network, adapters);
    }

    @Override
    public int layerCount() {
        return layers.length;
    }

    @Override
    public String weightedLayer(int k) {
        if (layers[k].paramTable().get("W") == null) {
            return null;
        }
        String name = layers[k].conf().getLayer().getLayerName();
        return name != null ? name : String.valueOf(k);
    }

    @Override
    public ModelAdapter redrawn(int[] chosen, long[] seeds, String name) {
        Model copy = network instanceof MultiLayerNetwork mln ? mln.clone() : ((ComputationGraph) network).clone();
        Layer[] copied = Reinitialise.layersOf(copy);
        for (int i = 0; i < chosen.length; i++) {
            Reinitialise.heNormal(copied[chosen[i]], seeds[i]);
        }
        return adapters.apply(copy, name);
    }
}
