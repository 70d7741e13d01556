package dev.heed.toolkit.attention.text;

import dev.heed.toolkit.attention.TransformerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads the weights of a Hugging Face BERT encoder exported to ONNX (the graph all-MiniLM-L6-v2 ships as) and names
 * them as the model's own state dict does. Named initializers keep their names; the exporter leaves the 36 weight
 * matrices unnamed ({@code onnx::MatMul_787}), so each is named after the MatMul node that consumes it. The head
 * count is the constant the exporter reshapes the queries with.
 */
public final class OnnxBert {
    /** The weights by state-dict name (dense weights stored {@code [in][out]}) and the encoder's shape. */
    public record Weights(Map<String, INDArray> byName, TransformerSpec spec, int vocabulary, int maxPositions) { }

    private static final String[] MATRICES = {"attention/self/query", "attention/self/key", "attention/self/value",
            "attention/output/dense", "intermediate/dense", "output/dense"};

    private OnnxBert() {
    }

    /** Parses a model; {@code source} names it in errors. */
    public static Weights read(InputStream model, String source) throws IOException {
        Onnx.ModelProto proto;
        try {
            proto = Onnx.ModelProto.parseFrom(model);
        } catch (org.nd4j.shade.protobuf.InvalidProtocolBufferException e) {
            throw new IOException(source + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        return weights(proto.getGraph(), source);
    }

    static Weights weights(Onnx.GraphProto graph, String source) throws IOException {
        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, Onnx.NodeProto> nodes = new HashMap<>();
        graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
        Map<String, INDArray> named = new LinkedHashMap<>();
        for (String name : new String[] {"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"}) {
            named.put(name, floats(require(initializers, name, source), source));
        }
        int layers = 0;
        while (nodes.containsKey("/encoder/layer." + layers + "/attention/self/query/MatMul")) {
            layers++;
        }
        if (layers == 0) {
            throw new IOException(source + ": not the expected BERT encoder graph (no node /encoder/layer.0/attention/self/query/MatMul)");
        }
        for (int layer = 0; layer < layers; layer++) {
            String statePrefix = "encoder.layer." + layer + ".";
            for (String matrix : MATRICES) {
                String nodeName = "/encoder/layer." + layer + "/" + matrix + "/MatMul";
                Onnx.NodeProto node = nodes.get(nodeName);
                if (node == null || node.getInputCount() != 2) {
                    throw new IOException(source + ": not the expected BERT encoder graph (no MatMul node " + nodeName + ")");
                }
                String dotted = statePrefix + matrix.replace('/', '.');
                named.put(dotted + ".weight", floats(require(initializers, node.getInput(1), source), source));
                named.put(dotted + ".bias", floats(require(initializers, dotted + ".bias", source), source));
            }
            for (String norm : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                named.put(statePrefix + norm + ".weight", floats(require(initializers, statePrefix + norm + ".weight", source), source));
                named.put(statePrefix + norm + ".bias", floats(require(initializers, statePrefix + norm + ".bias", source), source));
            }
        }
        INDArray words = named.get("embeddings.word_embeddings.weight");
        int hidden = (int) words.size(1);
        int intermediate = (int) named.get("encoder.layer.0.intermediate.dense.weight").size(1);
        int heads = headCount(nodes, source);
        double eps = layerNormEpsilon(nodes, source);
        TransformerSpec spec = new TransformerSpec(layers, heads, hidden, intermediate, false, eps);
        return new Weights(named, spec, (int) words.size(0), (int) named.get("embeddings.position_embeddings.weight").size(0));
    }

    private static int headCount(Map<String, Onnx.NodeProto> nodes, String source) throws IOException {
        // the query is reshaped to [batch, tokens, heads, headDim]; the third entry of that shape is a constant
        Onnx.NodeProto concat = nodes.get("/encoder/layer.0/attention/self/Concat_2");
        if (concat == null || concat.getInputCount() != 4) {
            throw new IOException(source + ": not the expected BERT encoder graph (cannot find the head count)");
        }
        return (int) constant(nodes, concat.getInput(2), source);
    }

    private static double layerNormEpsilon(Map<String, Onnx.NodeProto> nodes, String source) throws IOException {
        Onnx.NodeProto add = nodes.get("/embeddings/LayerNorm/Add");
        if (add == null || add.getInputCount() != 2) {
            throw new IOException(source + ": not the expected BERT encoder graph (no /embeddings/LayerNorm/Add)");
        }
        return constant(nodes, add.getInput(1), source);
    }

    private static double constant(Map<String, Onnx.NodeProto> nodes, String output, String source) throws IOException {
        String nodeName = output.endsWith("_output_0") ? output.substring(0, output.length() - "_output_0".length()) : output;
        Onnx.NodeProto node = nodes.get(nodeName);
        if (node == null || !node.getOpType().equals("Constant") || node.getAttributeCount() == 0) {
            throw new IOException(source + ": not the expected BERT encoder graph (" + output + " is not a constant)");
        }
        INDArray value = floats(node.getAttribute(0).getT(), source);
        return value.getDouble(0);
    }

    private static Onnx.TensorProto require(Map<String, Onnx.TensorProto> initializers, String name, String source) throws IOException {
        Onnx.TensorProto t = initializers.get(name);
        if (t == null) {
            throw new IOException(source + ": not the expected BERT encoder graph (no initializer '" + name + "')");
        }
        return t;
    }

    /** A float, double or int64 tensor as a float array of its shape (int64 constants are small shape values). */
    private static INDArray floats(Onnx.TensorProto t, String source) throws IOException {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] values = new float[(int) count];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case 1 -> { // FLOAT
                for (int i = 0; i < values.length; i++) {
                    values[i] = hasRaw ? raw.getFloat() : t.getFloatData(i);
                }
            }
            case 7 -> { // INT64
                for (int i = 0; i < values.length; i++) {
                    values[i] = hasRaw ? raw.getLong() : t.getInt64Data(i);
                }
            }
            case 11 -> { // DOUBLE
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (hasRaw ? raw.getDouble() : t.getDoubleData(i));
                }
            }
            default -> throw new IOException(source + ": tensor '" + t.getName() + "' has ONNX data type " + t.getDataType()
                    + "; only float, double and int64 are read");
        }
        return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c').castTo(DataType.FLOAT);
    }
}
