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
        this(layer, type, new StringBuilder("layer '" + layer + "' (" + type + ") ")
                .append(detail == null ? "is not supported by Heed's engine" : detail));
    }

    private UnsupportedLayerException(String layer, String type, StringBuilder message) {
        super(message.toString());
        this.layer = layer;
        this.type = type;
    }

    /**
     * For sources whose units are not called layers: an ONNX graph's nodes, whose message also names the opset, for
     * example {@code node '/features/Conv' (Conv, opset 13) has 32 groups; ...}.
     */
    public static UnsupportedLayerException node(String node, String opType, long opset, String detail) {
        return new UnsupportedLayerException(node, opType, new StringBuilder("node '" + node + "' (" + opType + ", opset "
                + opset + ") ").append(detail == null ? "is not supported by Heed's engine" : detail));
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
