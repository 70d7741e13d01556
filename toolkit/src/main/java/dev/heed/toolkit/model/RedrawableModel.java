package dev.heed.toolkit.model;

/**
 * A trained model seen as the layers a randomisation sanity check re-draws: a DL4J network's layers, or a plan's
 * weighted ops. The check walks the layers from the output down and explains each re-drawn copy with the method under
 * test, so a copy runs where the trained model runs (the DL4J twin or a plan on Heed's engine).
 */
public interface RedrawableModel {

    /** Layers in forward order; seeds are drawn per layer index, so the count fixes which seed each layer gets. */
    int layerCount();

    /** Layer {@code k}'s name when it has weights to re-draw, else null (a pooling or activation layer). */
    String weightedLayer(int k);

    /**
     * A copy of the trained model whose layers {@code layers} carry freshly drawn weights, layer {@code layers[i]}'s from
     * {@code seeds[i]}; the trained model is not modified. The caller closes the copy.
     */
    ModelAdapter redrawn(int[] layers, long[] seeds, String name);
}
