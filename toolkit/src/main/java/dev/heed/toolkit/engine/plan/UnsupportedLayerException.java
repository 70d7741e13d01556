package dev.heed.toolkit.engine.plan;

/**
 * The one error a plan compiler raises for a model it cannot express: the message names the layer (or vertex) and its
 * type, for example {@code layer 'lstm1' (LSTM) is not supported by Heed's engine}, so that a user sees in one line what
 * to change, and so that an {@code auto} choice can fall back and say why.
 */
public final class UnsupportedLayerException extends RuntimeException {
    private final String layer;
    private final String type;

    public UnsupportedLayerException(String layer, String type, String detail) {
        super("layer '" + layer + "' (" + type + ") " + (detail == null ? "is not supported by Heed's engine" : detail));
        this.layer = layer;
        this.type = type;
    }

    /** The layer or vertex name as the source model spells it. */
    public String layer() {
        return layer;
    }

    /** The layer's type, as the source framework names it (a DL4J class's simple name, an ONNX op type). */
    public String type() {
        return type;
    }
}
