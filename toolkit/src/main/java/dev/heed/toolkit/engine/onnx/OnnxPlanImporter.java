package dev.heed.toolkit.engine.onnx;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * ONNX image classifier to {@link Plan}: one float input {@code [N, C, H, W]} (or {@code [N, features]}) with fixed
 * {@code C, H, W} and any batch size, one output {@code [N, classes]}. Nodes are read in the file's order (ONNX requires
 * it to be topological); nodes the output does not depend on are left out.
 *
 * <p>Ops, as the ONNX operator specification defines them (opsets 7 to 17 read alike for these):
 * <ul>
 *   <li>{@code Conv}, grouped and depthwise included ({@code group} dividing both channel counts); {@code auto_pad}
 *       NOTSET with explicit {@code pads = [top, left, bottom, right]} (ONNX's {@code [x1_begin, x2_begin, x1_end,
 *       x2_end]}), VALID, SAME_UPPER (the odd pixel at the end) and SAME_LOWER (at the start).</li>
 *   <li>{@code MaxPool}, {@code AveragePool} ({@code count_include_pad} is the plan's {@code countPadding}); {@code
 *       ceil_mode = 1} is taken where it gives the floor size, and for MaxPool otherwise as extra bottom/right padding
 *       (padding never wins a max); an AveragePool whose ceil size differs is refused.</li>
 *   <li>{@code GlobalAveragePool}, {@code GlobalMaxPool} ({@code [N, C, 1, 1]}); {@code BatchNormalization} folded
 *       into a per-channel affine, {@code scale = gamma / sqrt(var + eps)}, {@code shift = beta - mean * scale};
 *       {@code Relu}, {@code LeakyRelu}, {@code Sigmoid}, {@code Tanh}, {@code HardSigmoid} ({@code alpha},
 *       {@code beta}), {@code HardSwish}, and {@code Clip} with constant bounds (minimum 0 and no maximum is a ReLU; with
 *       both, ReLU6 for one, a clip; a maximum alone is refused).</li>
 *   <li>{@code Gemm} ({@code transA = 0}; alpha and beta folded into the weight and bias), {@code MatMul} by a
 *       constant {@code [in][out]} weight (with a following {@code Add} of a constant bias fused into one dense op),
 *       {@code Add} (and {@code Sum}) of tensors of one shape; {@code Mul} of two computed tensors of one shape (SiLU's
 *       {@code x * Sigmoid(x)}, HardSwish decomposed at opset 13) or of {@code [N, C, H, W]} by {@code [N, C, 1, 1]}
 *       (squeeze-and-excitation); {@code Add}, {@code Sub}, {@code Mul} and {@code Div}
 *       with a constant per channel (per feature) or a single value, as a per-channel affine;
 *       {@code Concat} along axis 1, {@code Flatten} at axis 1, {@code Reshape} that keeps the batch axis first,
 *       {@code Pad} with zeros on the spatial axes, {@code Dropout} and {@code Identity} (aliases), and a {@code
 *       Softmax} or {@code LogSoftmax} that is the graph's output (dropped: scores are logits).</li>
 *   <li>Constant subgraphs are folded: {@code Constant}, {@code Identity}, {@code Shape}, {@code Gather},
 *       {@code Unsqueeze}, {@code Squeeze}, {@code Concat} and {@code Cast} on constants, so the
 *       {@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape} that PyTorch emits for {@code x.view(x.size(0), -1)}
 *       becomes a flatten. The batch size stays symbolic through the folding.</li>
 * </ul>
 * Anything else raises {@link UnsupportedLayerException} naming the node, its op type and the model's opset. A file
 * that is not a readable ONNX model, or whose tensors or shapes do not fit together, raises an {@link IOException}
 * with a one-line message.
 *
 * <p>Capture points: every node that makes a plan tensor is captured under its output's name (the ONNX value name, for
 * example {@code /layer4/layer4.1/relu_1/Relu_output_0}) and, when it has one, under the node's name ({@code
 * /layer4/layer4.1/relu_1/Relu}); ops in the plan carry the node's name (its output's name when it has none). A fused
 * MatMul's own output is not a capture point (it never exists apart from its bias).
 */
public final class OnnxPlanImporter {
    /** Protobuf reads one message of at most 2 GiB; larger exports keep their weights in external files. */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8L;

    /** The batch size while folding shape subgraphs: symbolic, whatever the file says. */
    static final long BATCH = Long.MIN_VALUE;

    private static final Set<String> ALIASES = Set.of("Identity", "Dropout");

    private OnnxPlanImporter() {
    }

    /**
     * Per-channel input normalisation the exporter left outside the graph, as torchvision's transforms apply it:
     * {@code model_input[c] = (pixel[c] - mean[c]) / std[c]}. With it the plan's input is the pixel tensor and its first
     * op a per-channel affine ({@code scale = 1 / std}, {@code shift = -mean / std}), so gradients are taken with respect
     * to the pixels, as for a DL4J model. {@link #IMAGENET} is torchvision's.
     */
    public record Normalisation(float[] mean, float[] std) {
        public static final Normalisation IMAGENET = new Normalisation(new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f});

        public Normalisation {
            if (mean.length != std.length || mean.length == 0) {
                throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got " + mean.length
                        + " means and " + std.length + " stds");
            }
            for (float v : std) {
                if (!(v > 0)) {
                    throw new IllegalArgumentException("normalisation std must be positive, got " + v);
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public float[] mean() {
            return mean.clone();
        }

        @Override
        public float[] std() {
            return std.clone();
        }
    }

    /** The op name of the prepended input normalisation (it is no capture point: it is not part of the model). */
    public static final String NORMALISATION_LAYER = "heed:input-normalisation";

    /** Reads a model file; the path names it in errors. */
    public static Plan read(Path file) throws IOException {
        return read(file, null);
    }

    /** Reads a model file and prepends {@code normalisation} (null for none); the path names it in errors. */
    public static Plan read(Path file, Normalisation normalisation) throws IOException {
        String source = file.toString();
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new IOException(source + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IOException(source + ": is a directory, not an ONNX model");
        }
        if (size > MAX_MODEL_BYTES) {
            throw new IOException(source + ": " + size + " bytes; Heed reads ONNX files under 2 GiB (larger exports keep "
                    + "their weights in external data files, which Heed does not read)");
        }
        return read(Files.readAllBytes(file), source, normalisation);
    }

    /** Parses a model held in memory; {@code source} names it in errors. */
    public static Plan read(byte[] model, String source) throws IOException {
        return read(model, source, null);
    }

    /** Parses a model held in memory and prepends {@code normalisation} (null for none). */
    public static Plan read(byte[] model, String source, Normalisation normalisation) throws IOException {
        Onnx.ModelProto proto;
        try {
            proto = Onnx.ModelProto.parseFrom(model);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + ": not an ONNX model (" + firstLine(e.getMessage()) + ")");
        } catch (RuntimeException e) {
            throw new IOException(source + ": not an ONNX model (" + firstLine(String.valueOf(e.getMessage())) + ")");
        }
        // Protobuf reads many byte strings as a message of unknown fields, so an empty parse proves nothing.
        if (proto.getIrVersion() <= 0 || !proto.hasGraph() || proto.getGraph().getNodeCount() == 0) {
            throw new IOException(source + ": not an ONNX model (no IR version or no graph)");
        }
        return read(proto, source, normalisation);
    }

    /** Converts a parsed model, prepending {@code normalisation} (null for none). */
    public static Plan read(Onnx.ModelProto model, String source, Normalisation normalisation) throws IOException {
        long opset = -1;
        for (Onnx.OperatorSetIdProto set : model.getOpsetImportList()) {
            if (set.getDomain().isEmpty() || set.getDomain().equals("ai.onnx")) {
                opset = set.getVersion();
            }
        }
        if (opset < 0) {
            throw new IOException(source + ": the model imports no ai.onnx opset");
        }
        return new Importer(model.getGraph(), opset, source, normalisation).run();
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }

    /** A constant: int64 values ({@link #BATCH} for the symbolic batch size) or float values, with ONNX dims. */
    record Const(long[] dims, long[] longs, float[] floats) {
        boolean isLong() {
            return longs != null;
        }

        int size() {
            return isLong() ? longs.length : floats.length;
        }

        double value(int i) {
            return isLong() ? longs[i] : floats[i];
        }
    }

    private static final class Importer {
        private final Onnx.GraphProto graph;
        private final long opset;
        private final String source;
        private final Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        private final Map<String, Const> constants = new HashMap<>();
        private final Map<String, Integer> tensorOf = new HashMap<>();
        private final Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();
        private final Set<Onnx.NodeProto> fused = new HashSet<>();
        private String outputName;
        private long fixedBatch = -1;
        private final Normalisation normalisation;
        private PlanBuilder plan;

        Importer(Onnx.GraphProto graph, long opset, String source, Normalisation normalisation) {
            this.graph = graph;
            this.opset = opset;
            this.source = source;
            this.normalisation = normalisation;
        }

        Plan run() throws IOException {
            graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
            List<Onnx.ValueInfoProto> inputs = new ArrayList<>();
            for (Onnx.ValueInfoProto in : graph.getInputList()) {
                if (!initializers.containsKey(in.getName())) {   // before IR 4, initializers are listed as inputs too
                    inputs.add(in);
                }
            }
            if (inputs.size() != 1 || graph.getOutputCount() != 1) {
                throw new UnsupportedLayerException(graph.getName(), "graph", "has " + inputs.size() + " inputs and "
                        + graph.getOutputCount() + " outputs; Heed's engine takes ONNX classifiers with one of each");
            }
            Onnx.ValueInfoProto input = inputs.get(0);
            outputName = graph.getOutput(0).getName();
            plan = new PlanBuilder(inputShape(input));
            tensorOf.put(input.getName(), normalisation == null ? plan.input() : normalise(plan.input()));

            Map<String, Onnx.NodeProto> producer = new HashMap<>();
            for (Onnx.NodeProto node : graph.getNodeList()) {
                node.getOutputList().forEach(o -> producer.put(o, node));
            }
            Set<Onnx.NodeProto> needed = new HashSet<>();
            ArrayDeque<String> pending = new ArrayDeque<>(List.of(outputName));
            while (!pending.isEmpty()) {
                Onnx.NodeProto node = producer.get(pending.pop());
                if (node != null && needed.add(node)) {
                    node.getInputList().stream().filter(s -> !s.isEmpty()).forEach(pending::add);
                }
            }
            for (Onnx.NodeProto node : graph.getNodeList()) {
                if (needed.contains(node)) {
                    node.getInputList().forEach(in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node));
                }
            }
            for (Onnx.NodeProto node : graph.getNodeList()) {
                if (needed.contains(node) && !fused.contains(node)) {
                    try {
                        node(node);
                    } catch (IllegalArgumentException e) {
                        // The plan builder found shapes that do not fit: the file, not Heed, is inconsistent.
                        throw new IOException(source + ": node '" + name(node) + "' (" + node.getOpType() + "): " + e.getMessage());
                    }
                }
            }
            Integer logits = tensorOf.get(outputName);
            if (logits == null) {
                throw new UnsupportedLayerException(outputName, "graph output", "is a constant or is never computed; "
                        + "Heed's engine needs logits computed from the input");
            }
            if (plan.tensor(logits).isSpatial()) {
                throw new UnsupportedLayerException(outputName, "graph output", "is " + onnxShape(plan.tensor(logits))
                        + "; Heed's engine takes classifiers whose output is [N, classes]");
            }
            return plan.build(logits);
        }

        private int normalise(int pixels) {
            int channels = plan.tensor(pixels).channels();
            if (normalisation.mean().length != channels) {
                throw new IllegalArgumentException("the normalisation has " + normalisation.mean().length
                        + " channels but the model's input has " + channels);
            }
            float[] scale = new float[channels];
            float[] shift = new float[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = 1f / normalisation.std()[c];
                shift[c] = -normalisation.mean()[c] / normalisation.std()[c];
            }
            return plan.channelAffine(NORMALISATION_LAYER, pixels, new Weights(scale, channels), new Weights(shift, channels));
        }

        private int[] inputShape(Onnx.ValueInfoProto input) throws IOException {
            String where = "input '" + input.getName() + "'";
            if (!input.hasType() || !input.getType().hasTensorType() || !input.getType().getTensorType().hasShape()) {
                throw new IOException(source + ": " + where + " has no tensor type with a shape");
            }
            Onnx.TypeProto.Tensor type = input.getType().getTensorType();
            if (type.getElemType() != Onnx.TensorProto.DataType.FLOAT.getNumber()) {
                throw new UnsupportedLayerException(input.getName(), "graph input", "has ONNX element type " + type.getElemType()
                        + "; Heed's engine takes float32 inputs");
            }
            List<Onnx.TensorShapeProto.Dimension> dims = type.getShape().getDimList();
            if (dims.size() != 4 && dims.size() != 2) {
                throw new UnsupportedLayerException(input.getName(), "graph input", "has rank " + dims.size()
                        + "; Heed's engine takes images [N, C, H, W] (or features [N, F])");
            }
            if (dims.get(0).hasDimValue()) {
                fixedBatch = dims.get(0).getDimValue();
            }
            int[] shape = new int[dims.size() - 1];
            for (int i = 1; i < dims.size(); i++) {
                Onnx.TensorShapeProto.Dimension d = dims.get(i);
                if (!d.hasDimValue() || d.getDimValue() <= 0 || d.getDimValue() > Integer.MAX_VALUE) {
                    throw new UnsupportedLayerException(input.getName(), "graph input", "has a dynamic or invalid size on axis "
                            + i + " (" + (d.hasDimParam() ? d.getDimParam() : String.valueOf(d.getDimValue()))
                            + "); Heed's engine needs fixed channel, height and width sizes (only the batch may vary)");
                }
                shape[i - 1] = (int) d.getDimValue();
            }
            return shape;
        }

        private static String name(Onnx.NodeProto node) {
            return node.getName().isEmpty() ? (node.getOutputCount() > 0 ? node.getOutput(0) : node.getOpType()) : node.getName();
        }

        private UnsupportedLayerException unsupported(Onnx.NodeProto node, String detail) {
            return UnsupportedLayerException.node(name(node), node.getOpType(), opset, detail);
        }

        /** Records a node's plan tensor, and names it as a capture point by output name and by node name. */
        private void define(Onnx.NodeProto node, String output, int tensor) {
            tensorOf.put(output, tensor);
            plan.capture(output, tensor);
            if (!node.getName().isEmpty()) {
                plan.capture(node.getName(), tensor);
            }
        }

        private boolean isConstant(String value) {
            return constants.containsKey(value) || initializers.containsKey(value);
        }

        private Const constant(Onnx.NodeProto node, String value) throws IOException {
            Const c = constants.get(value);
            if (c == null) {
                Onnx.TensorProto t = initializers.get(value);
                if (t == null) {
                    throw unsupported(node, "takes '" + value + "' as a constant, but Heed's engine cannot fold it to one");
                }
                c = tensor(t);
                constants.put(value, c);
            }
            return c;
        }

        private Const floatConstant(Onnx.NodeProto node, String value) throws IOException {
            Const c = constant(node, value);
            if (c.isLong()) {
                float[] f = new float[c.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) c.longs[i];
                }
                return new Const(c.dims, null, f);
            }
            return c;
        }

        private int tensor(Onnx.NodeProto node, String value) throws IOException {
            Integer id = tensorOf.get(value);
            if (id != null) {
                return id;
            }
            if (isConstant(value)) {
                throw unsupported(node, "takes the constant '" + value + "' where Heed's engine needs a tensor computed from the input");
            }
            throw new IOException(source + ": node '" + name(node) + "' (" + node.getOpType() + ") reads '" + value
                    + "', which no earlier node makes");
        }

        private int spatialTensor(Onnx.NodeProto node, String value) throws IOException {
            int x = tensor(node, value);
            if (!plan.tensor(x).isSpatial()) {
                throw unsupported(node, "gets " + onnxShape(plan.tensor(x)) + "; Heed's engine needs [N, C, H, W] here");
            }
            return x;
        }

        private int flatTensor(Onnx.NodeProto node, String value) throws IOException {
            int x = tensor(node, value);
            if (plan.tensor(x).isSpatial()) {
                throw unsupported(node, "gets " + onnxShape(plan.tensor(x)) + "; Heed's engine needs [N, features] here");
            }
            return x;
        }

        private void node(Onnx.NodeProto node) throws IOException {
            String op = node.getOpType();
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                throw unsupported(node, "is from operator domain '" + node.getDomain() + "', which Heed's engine does not support");
            }
            String layer = name(node);
            String out = node.getOutput(0);
            if (foldConstants(node)) {
                return;
            }
            switch (op) {
                case "Identity", "Dropout" -> {
                    requireUnusedExtraOutputs(node);
                    define(node, out, tensor(node, node.getInput(0)));
                }
                case "Conv" -> define(node, out, conv(node, layer));
                case "BatchNormalization" -> define(node, out, batchNorm(node, layer));
                case "Relu" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)), ActivationKind.RELU, 0));
                case "Sigmoid" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)), ActivationKind.SIGMOID, 0));
                case "Tanh" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)), ActivationKind.TANH, 0));
                case "LeakyRelu" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)),
                        ActivationKind.LEAKY_RELU, floatAttr(node, "alpha", 0.01f)));
                case "HardSigmoid" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)), ActivationKind.HARD_SIGMOID,
                        floatAttr(node, "alpha", 0.2f), floatAttr(node, "beta", 0.5f)));
                case "HardSwish" -> define(node, out, plan.activation(layer, tensor(node, node.getInput(0)), ActivationKind.HARD_SWISH, 0));
                case "Clip" -> define(node, out, clip(node, layer));
                case "MaxPool", "AveragePool" -> define(node, out, pool(node, layer));
                case "GlobalAveragePool" -> define(node, out, plan.globalPool(layer, spatialTensor(node, node.getInput(0)), PoolKind.AVG, true));
                case "GlobalMaxPool" -> define(node, out, plan.globalPool(layer, spatialTensor(node, node.getInput(0)), PoolKind.MAX, true));
                case "Flatten" -> define(node, out, flatten(node, layer));
                case "Reshape" -> define(node, out, reshape(node, layer));
                case "Gemm" -> define(node, out, gemm(node, layer));
                case "MatMul" -> matMul(node, layer);
                case "Add", "Sub", "Mul", "Div" -> define(node, out, arithmetic(node, layer));
                case "Sum" -> define(node, out, sum(node, layer));
                case "Concat" -> define(node, out, concat(node, layer));
                case "Pad" -> define(node, out, pad(node, layer));
                case "Softmax", "LogSoftmax" -> {
                    if (!out.equals(outputName)) {
                        throw unsupported(node, "is not the graph's output; Heed's engine supports a softmax only there, "
                                + "where it is dropped (scores are logits)");
                    }
                    define(node, out, flatTensor(node, node.getInput(0)));
                }
                default -> throw unsupported(node, null);
            }
        }

        private void requireUnusedExtraOutputs(Onnx.NodeProto node) {
            for (int i = 1; i < node.getOutputCount(); i++) {
                if (!node.getOutput(i).isEmpty() && consumers.containsKey(node.getOutput(i))) {
                    throw unsupported(node, "has its output " + i + " ('" + node.getOutput(i) + "') used, which Heed's engine does not support");
                }
            }
        }

        // ---- constant folding -------------------------------------------------------------------------------------

        /** Folds a node whose result is a constant (shape arithmetic, constants); false when it computes on tensors. */
        private boolean foldConstants(Onnx.NodeProto node) throws IOException {
            String op = node.getOpType();
            String out = node.getOutput(0);
            if (op.equals("Constant")) {
                constants.put(out, constantNode(node));
                return true;
            }
            if (op.equals("Shape")) {
                Integer x = tensorOf.get(node.getInput(0));
                long[] shape;
                if (x != null) {
                    int[] dims = plan.tensor(x).shape();
                    shape = new long[dims.length + 1];
                    shape[0] = BATCH;
                    for (int i = 0; i < dims.length; i++) {
                        shape[i + 1] = dims[i];
                    }
                } else {
                    shape = constant(node, node.getInput(0)).dims.clone();
                }
                int start = (int) clampAxis(intAttr(node, "start", 0), shape.length);
                int end = (int) clampAxis(intAttr(node, "end", shape.length), shape.length);
                long[] values = Arrays.copyOfRange(shape, start, Math.max(start, end));
                constants.put(out, new Const(new long[] {values.length}, values, null));
                return true;
            }
            List<String> inputs = node.getInputList().stream().filter(s -> !s.isEmpty()).toList();
            if (inputs.isEmpty() || !inputs.stream().allMatch(this::isConstant)) {
                return false;
            }
            switch (op) {
                case "Identity", "Dropout" -> constants.put(out, constant(node, inputs.get(0)));
                case "Cast" -> {
                    Const c = constant(node, inputs.get(0));
                    long to = intAttr(node, "to", 1);
                    if (to == Onnx.TensorProto.DataType.FLOAT.getNumber() || to == Onnx.TensorProto.DataType.DOUBLE.getNumber()) {
                        constants.put(out, floatConstant(node, inputs.get(0)));
                    } else if (to == Onnx.TensorProto.DataType.INT64.getNumber() || to == Onnx.TensorProto.DataType.INT32.getNumber()) {
                        long[] l = new long[c.size()];
                        for (int i = 0; i < l.length; i++) {
                            l[i] = c.isLong() ? c.longs[i] : (long) c.floats[i];
                        }
                        constants.put(out, new Const(c.dims, l, null));
                    } else {
                        throw unsupported(node, "casts a constant to ONNX type " + to + ", which Heed's engine does not fold");
                    }
                }
                case "Gather" -> constants.put(out, gather(node, constant(node, inputs.get(0)), constant(node, inputs.get(1))));
                case "Unsqueeze", "Squeeze" -> {
                    Const c = constant(node, inputs.get(0));
                    long[] axes = opset >= 13 ? (inputs.size() > 1 ? constant(node, inputs.get(1)).longs : null) : longsAttr(node, "axes", null);
                    constants.put(out, new Const(op.equals("Unsqueeze") ? unsqueeze(node, c.dims, axes) : squeeze(c.dims, axes),
                            c.longs, c.floats));
                }
                case "Concat" -> {
                    List<Const> parts = new ArrayList<>();
                    for (String in : inputs) {
                        parts.add(constant(node, in));
                    }
                    if (parts.stream().anyMatch(p -> p.dims.length != 1) || parts.stream().anyMatch(p -> p.isLong() != parts.get(0).isLong())) {
                        throw unsupported(node, "concatenates constants that are not all 1-D of one type, which Heed's engine does not fold");
                    }
                    int n = parts.stream().mapToInt(Const::size).sum();
                    long[] l = parts.get(0).isLong() ? new long[n] : null;
                    float[] f = l == null ? new float[n] : null;
                    int at = 0;
                    for (Const p : parts) {
                        for (int i = 0; i < p.size(); i++, at++) {
                            if (l != null) {
                                l[at] = p.longs[i];
                            } else {
                                f[at] = p.floats[i];
                            }
                        }
                    }
                    constants.put(out, new Const(new long[] {n}, l, f));
                }
                default -> throw unsupported(node, "computes on constants only, and Heed's engine does not fold " + node.getOpType());
            }
            return true;
        }

        private Const constantNode(Onnx.NodeProto node) throws IOException {
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                switch (a.getName()) {
                    case "value":
                        return tensor(a.getT());
                    case "value_float":
                        return new Const(new long[0], null, new float[] {a.getF()});
                    case "value_floats":
                        return new Const(new long[] {a.getFloatsCount()}, null, floatArray(a.getFloatsList()));
                    case "value_int":
                        return new Const(new long[0], new long[] {a.getI()}, null);
                    case "value_ints":
                        return new Const(new long[] {a.getIntsCount()}, a.getIntsList().stream().mapToLong(Long::longValue).toArray(), null);
                    default:
                        break;
                }
            }
            throw unsupported(node, "has no value, value_float(s) or value_int(s) attribute, which Heed's engine needs");
        }

        private Const gather(Onnx.NodeProto node, Const data, Const indices) {
            if (data.dims.length != 1 || intAttr(node, "axis", 0) != 0 || indices.dims.length > 1 || !indices.isLong()) {
                throw unsupported(node, "gathers other than from a 1-D constant along axis 0, which Heed's engine does not fold");
            }
            int n = indices.size();
            long[] l = data.isLong() ? new long[n] : null;
            float[] f = l == null ? new float[n] : null;
            for (int i = 0; i < n; i++) {
                long k = indices.longs[i] < 0 ? indices.longs[i] + data.size() : indices.longs[i];
                if (k < 0 || k >= data.size()) {
                    throw unsupported(node, "gathers index " + indices.longs[i] + " from " + data.size() + " values");
                }
                if (l != null) {
                    l[i] = data.longs[(int) k];
                } else {
                    f[i] = data.floats[(int) k];
                }
            }
            return new Const(indices.dims.length == 0 ? new long[0] : new long[] {n}, l, f);
        }

        private long[] unsqueeze(Onnx.NodeProto node, long[] dims, long[] axes) {
            if (axes == null) {
                throw unsupported(node, "has no axes");
            }
            int rank = dims.length + axes.length;
            boolean[] inserted = new boolean[rank];
            for (long a : axes) {
                inserted[(int) (a < 0 ? a + rank : a)] = true;
            }
            long[] out = new long[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                out[i] = inserted[i] ? 1 : dims[j++];
            }
            return out;
        }

        private static long[] squeeze(long[] dims, long[] axes) {
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < dims.length; i++) {
                final int axis = i;
                boolean drop = axes == null ? dims[i] == 1
                        : Arrays.stream(axes).anyMatch(a -> (a < 0 ? a + dims.length : a) == axis);
                if (!drop) {
                    out.add(dims[i]);
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }

        private static long clampAxis(long axis, int rank) {
            long a = axis < 0 ? axis + rank : axis;
            return Math.max(0, Math.min(rank, a));
        }

        // ---- ops on tensors ---------------------------------------------------------------------------------------

        private int conv(Onnx.NodeProto node, String layer) throws IOException {
            int x = spatialTensor(node, node.getInput(0));
            Const w = floatConstant(node, node.getInput(1));
            if (w.dims.length != 4) {
                throw unsupported(node, "has a " + w.dims.length + "-D weight; Heed's engine supports 2-D convolution only");
            }
            long groups = intAttr(node, "group", 1);
            int channels = plan.tensor(x).channels();
            if (groups < 1 || channels % groups != 0 || w.dims[0] % groups != 0 || w.dims[1] * groups != channels) {
                throw new IOException(source + ": node '" + name(node) + "' (Conv): " + groups + " groups and a weight of shape "
                        + Arrays.toString(w.dims) + " do not fit an input of " + channels + " channels");
            }
            Weights bias = null;
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                Const b = floatConstant(node, node.getInput(2));
                bias = new Weights(b.floats, b.size());
            }
            Window window = window(node, plan.tensor(x), (int) w.dims[2], (int) w.dims[3], true, false);
            return plan.conv2d(layer, x, window, new Weights(w.floats, ints(w.dims)), bias, (int) groups);
        }

        private int pool(Onnx.NodeProto node, String layer) throws IOException {
            requireUnusedExtraOutputs(node);
            int x = spatialTensor(node, node.getInput(0));
            long[] kernel = longsAttr(node, "kernel_shape", null);
            if (kernel == null || kernel.length != 2) {
                throw unsupported(node, "has kernel_shape " + Arrays.toString(kernel) + "; Heed's engine supports 2-D pooling only");
            }
            boolean max = node.getOpType().equals("MaxPool");
            Window window = window(node, plan.tensor(x), (int) kernel[0], (int) kernel[1], max, max);
            return plan.pool2d(layer, x, max ? PoolKind.MAX : PoolKind.AVG, window, intAttr(node, "count_include_pad", 0) != 0);
        }

        /**
         * A Conv or pooling node's window, with {@code auto_pad} resolved to explicit padding for this input's size, and
         * {@code ceil_mode} to extra end padding where {@code ceilByPadding} (MaxPool, where padding never wins).
         */
        private Window window(Onnx.NodeProto node, TensorInfo x, int kh, int kw, boolean hasDilations, boolean ceilByPadding) {
            long[] kernelAttr = longsAttr(node, "kernel_shape", null);
            if (kernelAttr != null && (kernelAttr.length != 2 || kernelAttr[0] != kh || kernelAttr[1] != kw)) {
                throw unsupported(node, "has kernel_shape " + Arrays.toString(kernelAttr) + " but a " + kh + "x" + kw + " weight");
            }
            long[] strides = longsAttr(node, "strides", new long[] {1, 1});
            long[] dilations = hasDilations ? longsAttr(node, "dilations", new long[] {1, 1}) : new long[] {1, 1};
            if (strides.length != 2 || dilations.length != 2) {
                throw unsupported(node, "has strides or dilations for other than 2 spatial axes");
            }
            int sh = (int) strides[0];
            int sw = (int) strides[1];
            int dh = (int) dilations[0];
            int dw = (int) dilations[1];
            String autoPad = stringAttr(node, "auto_pad", "NOTSET");
            int[] pad;   // top, left, bottom, right
            switch (autoPad) {
                case "NOTSET" -> {
                    long[] p = longsAttr(node, "pads", new long[4]);
                    if (p.length != 4) {
                        throw unsupported(node, "has " + p.length + " pads; a 2-D window has 4");
                    }
                    // ONNX orders pads [x1_begin, x2_begin, x1_end, x2_end]: top, left, bottom, right.
                    pad = new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
                }
                case "VALID" -> pad = new int[4];
                case "SAME_UPPER", "SAME_LOWER" -> {
                    boolean upper = autoPad.equals("SAME_UPPER");
                    int[] v = samePadding(x.height(), kh, sh, dh, upper);
                    int[] h = samePadding(x.width(), kw, sw, dw, upper);
                    pad = new int[] {v[0], h[0], v[1], h[1]};
                }
                default -> throw unsupported(node, "has auto_pad " + autoPad + ", which is not an ONNX padding mode");
            }
            if (intAttr(node, "ceil_mode", 0) != 0) {
                int extraBottom = ceilExtra(x.height(), kh, sh, dh, pad[0], pad[2]);
                int extraRight = ceilExtra(x.width(), kw, sw, dw, pad[1], pad[3]);
                if (extraBottom + extraRight > 0) {
                    if (!ceilByPadding) {
                        throw unsupported(node, "uses ceil_mode=1, which here gives a larger output than floor rounding; "
                                + "Heed's engine supports that only for MaxPool");
                    }
                    pad[2] += extraBottom;
                    pad[3] += extraRight;
                }
            }
            return new Window(kh, kw, sh, sw, dh, dw, new Padding(pad[0], pad[1], pad[2], pad[3]));
        }

        private int batchNorm(Onnx.NodeProto node, String layer) throws IOException {
            requireUnusedExtraOutputs(node);
            if (intAttr(node, "training_mode", 0) != 0) {
                throw unsupported(node, "is in training mode; Heed's engine explains models in inference mode");
            }
            int x = tensor(node, node.getInput(0));
            int channels = plan.tensor(x).channels();
            float[] gamma = vector(node, node.getInput(1), channels);
            float[] beta = vector(node, node.getInput(2), channels);
            float[] mean = vector(node, node.getInput(3), channels);
            float[] var = vector(node, node.getInput(4), channels);
            double eps = floatAttr(node, "epsilon", 1e-5f);
            float[] scale = new float[channels];
            float[] shift = new float[channels];
            for (int c = 0; c < channels; c++) {
                double s = gamma[c] / Math.sqrt(var[c] + eps);
                scale[c] = (float) s;
                shift[c] = (float) (beta[c] - mean[c] * s);
            }
            return plan.channelAffine(layer, x, new Weights(scale, channels), new Weights(shift, channels));
        }

        private float[] vector(Onnx.NodeProto node, String value, int length) throws IOException {
            Const c = floatConstant(node, value);
            if (c.size() != length) {
                throw unsupported(node, "has " + c.size() + " values in '" + value + "' for " + length + " channels");
            }
            return c.floats;
        }

        private int clip(Onnx.NodeProto node, String layer) throws IOException {
            int x = tensor(node, node.getInput(0));
            Double min;
            Double max;
            if (opset < 11) {
                min = hasAttr(node, "min") ? (double) floatAttr(node, "min", 0) : null;
                max = hasAttr(node, "max") ? (double) floatAttr(node, "max", 0) : null;
            } else {
                min = node.getInputCount() > 1 && !node.getInput(1).isEmpty() ? constant(node, node.getInput(1)).value(0) : null;
                max = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? constant(node, node.getInput(2)).value(0) : null;
            }
            boolean noMax = max == null || max >= Float.MAX_VALUE;
            boolean noMin = min == null || min <= -Float.MAX_VALUE;
            if (!noMin && min == 0 && noMax) {
                return plan.activation(layer, x, ActivationKind.RELU, 0);
            }
            if (noMin || noMax || !(min < max)) {
                throw unsupported(node, "clips to [" + (noMin ? "-inf" : min) + ", " + (noMax ? "inf" : max)
                        + "]; Heed's engine supports Clip with a minimum and a maximum (ReLU6 is [0, 6]) or minimum 0 alone (a ReLU)");
            }
            return plan.activation(layer, x, ActivationKind.CLIP, min, max);
        }

        private int flatten(Onnx.NodeProto node, String layer) throws IOException {
            int x = tensor(node, node.getInput(0));
            TensorInfo t = plan.tensor(x);
            long axis = intAttr(node, "axis", 1);
            int rank = t.shape().length + 1;
            if ((axis < 0 ? axis + rank : axis) != 1) {
                throw unsupported(node, "flattens at axis " + axis + "; Heed's engine supports axis 1 only (the batch stays apart)");
            }
            return t.isSpatial() ? plan.reshape(layer, x, t.size()) : x;
        }

        private int reshape(Onnx.NodeProto node, String layer) throws IOException {
            int x = tensor(node, node.getInput(0));
            TensorInfo t = plan.tensor(x);
            Const target = constant(node, node.getInput(1));
            if (!target.isLong() || target.size() < 2) {
                throw unsupported(node, "reshapes to " + Arrays.toString(target.longs) + "; Heed's engine keeps the batch as the first of 2 or more axes");
            }
            boolean allowZero = intAttr(node, "allowzero", 0) != 0;
            long[] s = target.longs;
            int[] in = t.shape();
            int[] shape = new int[s.length - 1];
            int inferred = -1;
            long known = 1;
            for (int i = 1; i < s.length; i++) {
                long v = s[i];
                if (v == 0 && !allowZero) {
                    if (i > in.length) {
                        throw unsupported(node, "copies axis " + i + " of a rank-" + (in.length + 1) + " tensor");
                    }
                    v = in[i - 1];
                }
                if (v == -1 && inferred < 0) {
                    inferred = i - 1;
                    continue;
                }
                if (v <= 0) {
                    throw unsupported(node, "reshapes to " + describe(s) + ", which moves the batch or is not a valid shape here");
                }
                shape[i - 1] = (int) v;
                known *= v;
            }
            long first = s[0];
            boolean batchFirst = first == BATCH || (first == 0 && !allowZero) || (fixedBatch > 0 && first == fixedBatch)
                    || (first == -1 && inferred < 0);
            if (!batchFirst) {
                throw unsupported(node, "reshapes to " + describe(s) + ", which does not keep the batch as the first axis");
            }
            if (inferred >= 0) {
                if (t.size() % known != 0) {
                    throw unsupported(node, "cannot reshape " + onnxShape(t) + " to " + describe(s));
                }
                shape[inferred] = (int) (t.size() / known);
            }
            if (Arrays.equals(shape, in)) {
                return x;
            }
            if (shape.length != 1 && shape.length != 3) {
                throw unsupported(node, "reshapes to " + describe(s) + "; Heed's engine holds [N, features] and [N, C, H, W] only");
            }
            return plan.reshape(layer, x, shape);
        }

        private static String describe(long[] shape) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < shape.length; i++) {
                b.append(i == 0 ? "" : ", ").append(shape[i] == BATCH ? "N" : String.valueOf(shape[i]));
            }
            return b.append(']').toString();
        }

        private int gemm(Onnx.NodeProto node, String layer) throws IOException {
            int x = flatTensor(node, node.getInput(0));
            if (intAttr(node, "transA", 0) != 0) {
                throw unsupported(node, "has transA=1, which Heed's engine does not support (the batch is A's first axis)");
            }
            Const b = floatConstant(node, node.getInput(1));
            if (b.dims.length != 2) {
                throw unsupported(node, "has a " + b.dims.length + "-D weight; Gemm's B is 2-D");
            }
            float alpha = floatAttr(node, "alpha", 1f);
            float beta = floatAttr(node, "beta", 1f);
            boolean transB = intAttr(node, "transB", 0) != 0;
            float[] w = transB ? b.floats.clone() : transpose(b.floats, (int) b.dims[0], (int) b.dims[1]);
            int out = (int) (transB ? b.dims[0] : b.dims[1]);
            int in = (int) (transB ? b.dims[1] : b.dims[0]);
            if (alpha != 1f) {
                for (int i = 0; i < w.length; i++) {
                    w[i] *= alpha;
                }
            }
            Weights bias = null;
            if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
                float[] c = biasVector(node, floatConstant(node, node.getInput(2)), out);
                for (int i = 0; i < c.length; i++) {
                    c[i] *= beta;
                }
                bias = new Weights(c, out);
            }
            return plan.dense(layer, x, new Weights(w, out, in), bias);
        }

        /** A bias of {@code [out]}, {@code [1, out]} or one value broadcast; anything else is refused. */
        private float[] biasVector(Onnx.NodeProto node, Const c, int out) {
            if (c.size() == 1) {
                float[] f = new float[out];
                Arrays.fill(f, c.floats[0]);
                return f;
            }
            if (c.size() != out || c.dims.length > 2 || (c.dims.length == 2 && c.dims[0] != 1)) {
                throw unsupported(node, "has a bias of shape " + Arrays.toString(c.dims) + " for " + out
                        + " outputs; Heed's engine takes [out], [1, out] or one value");
            }
            return c.floats.clone();
        }

        /** MatMul by a constant {@code [in][out]} weight, fused with an Add of a constant bias when that is its only use. */
        private void matMul(Onnx.NodeProto node, String layer) throws IOException {
            int x = flatTensor(node, node.getInput(0));
            if (!isConstant(node.getInput(1))) {
                throw unsupported(node, "multiplies two computed tensors; Heed's engine supports MatMul by a constant weight only");
            }
            Const b = floatConstant(node, node.getInput(1));
            if (b.dims.length != 2) {
                throw unsupported(node, "has a " + b.dims.length + "-D weight; Heed's engine supports MatMul by a 2-D [in, out] weight only");
            }
            int in = (int) b.dims[0];
            int out = (int) b.dims[1];
            Weights weight = new Weights(transpose(b.floats, in, out), out, in);
            String product = node.getOutput(0);
            List<Onnx.NodeProto> users = consumers.getOrDefault(product, List.of());
            if (!product.equals(outputName) && users.size() == 1 && users.get(0).getOpType().equals("Add")) {
                Onnx.NodeProto add = users.get(0);
                String other = add.getInput(0).equals(product) ? add.getInput(1) : add.getInput(0);
                if (isConstant(other)) {
                    Weights bias = new Weights(biasVector(add, floatConstant(add, other), out), out);
                    int y = plan.dense(name(add), x, weight, bias);
                    define(add, add.getOutput(0), y);
                    fused.add(add);
                    return;
                }
            }
            define(node, product, plan.dense(layer, x, weight, null));
        }

        /**
         * Add, Sub, Mul or Div. Two computed tensors: only Add, of one shape (a residual connection). A computed
         * tensor and a constant per channel (per feature) or one value: a per-channel affine, which is also how an
         * exporter's in-graph {@code (x - mean) / std} arrives.
         */
        private int arithmetic(Onnx.NodeProto node, String layer) throws IOException {
            String op = node.getOpType();
            String a = node.getInput(0);
            String b = node.getInput(1);
            if (!isConstant(a) && !isConstant(b)) {
                int x = tensor(node, a);
                int y = tensor(node, b);
                if (op.equals("Mul")) {
                    return product(node, layer, x, y);
                }
                if (!op.equals("Add")) {
                    throw unsupported(node, "combines two computed tensors; Heed's engine supports that for Add and Mul only");
                }
                if (!Arrays.equals(plan.tensor(x).shape(), plan.tensor(y).shape())) {
                    throw unsupported(node, "adds " + onnxShape(plan.tensor(x)) + " and " + onnxShape(plan.tensor(y))
                            + "; Heed's engine adds tensors of one shape only (no broadcasting)");
                }
                return plan.add(layer, x, y);
            }
            boolean constantFirst = isConstant(a);
            int x = tensor(node, constantFirst ? b : a);
            TensorInfo t = plan.tensor(x);
            Const c = floatConstant(node, constantFirst ? a : b);
            int channels = t.channels();
            long[] d = c.dims;
            boolean scalar = c.size() == 1 && d.length <= t.shape().length + 1;
            boolean perChannel = c.size() == channels && (t.isSpatial()
                    ? (d.length == 3 && d[1] == 1 && d[2] == 1) || (d.length == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1)
                    : d.length == 1 || (d.length == 2 && d[0] == 1));
            if (!scalar && !perChannel) {
                throw unsupported(node, "combines " + onnxShape(t) + " with a constant of shape " + Arrays.toString(d)
                        + "; Heed's engine supports only a per-channel (or per-feature) constant or one value");
            }
            float[] scale = new float[channels];
            float[] shift = new float[channels];
            for (int ch = 0; ch < channels; ch++) {
                float v = c.floats[scalar ? 0 : ch];
                switch (op) {
                    case "Add" -> { scale[ch] = 1; shift[ch] = v; }
                    case "Sub" -> { scale[ch] = constantFirst ? -1 : 1; shift[ch] = constantFirst ? v : -v; }
                    case "Mul" -> scale[ch] = v;
                    default -> {   // Div
                        if (constantFirst) {
                            throw unsupported(node, "divides a constant by a computed tensor, which Heed's engine does not support");
                        }
                        scale[ch] = 1 / v;
                    }
                }
            }
            return plan.channelAffine(layer, x, new Weights(scale, channels), new Weights(shift, channels));
        }

        /**
         * Mul of two computed tensors: of one shape (SiLU's {@code x * sigmoid(x)}, a decomposed HardSwish), or a
         * {@code [N, C, H, W]} tensor by a {@code [N, C, 1, 1]} one in either order (squeeze-and-excitation's gate).
         */
        private int product(Onnx.NodeProto node, String layer, int x, int y) {
            TensorInfo tx = plan.tensor(x);
            TensorInfo ty = plan.tensor(y);
            if (Arrays.equals(tx.shape(), ty.shape()) || isChannelGate(ty, tx)) {
                return plan.multiply(layer, x, y);
            }
            if (isChannelGate(tx, ty)) {
                return plan.multiply(layer, y, x);
            }
            throw unsupported(node, "multiplies " + onnxShape(tx) + " by " + onnxShape(ty) + "; Heed's engine multiplies tensors of "
                    + "one shape, or [N, C, H, W] by [N, C, 1, 1]");
        }

        private static boolean isChannelGate(TensorInfo gate, TensorInfo x) {
            return x.isSpatial() && gate.isSpatial() && gate.channels() == x.channels() && gate.height() == 1 && gate.width() == 1;
        }

        /** ONNX's n-ary Sum of computed tensors of one shape. */
        private int sum(Onnx.NodeProto node, String layer) throws IOException {
            int[] sources = new int[node.getInputCount()];
            for (int i = 0; i < sources.length; i++) {
                sources[i] = tensor(node, node.getInput(i));
                if (!Arrays.equals(plan.tensor(sources[i]).shape(), plan.tensor(sources[0]).shape())) {
                    throw unsupported(node, "sums tensors of different shapes; Heed's engine does not broadcast");
                }
            }
            return sources.length == 1 ? sources[0] : plan.add(layer, sources);
        }

        private int concat(Onnx.NodeProto node, String layer) throws IOException {
            int[] sources = new int[node.getInputCount()];
            for (int i = 0; i < sources.length; i++) {
                sources[i] = tensor(node, node.getInput(i));
            }
            int rank = plan.tensor(sources[0]).shape().length + 1;
            long axis = intAttr(node, "axis", 1);
            if ((axis < 0 ? axis + rank : axis) != 1) {
                throw unsupported(node, "concatenates along axis " + axis + "; Heed's engine supports the channel axis 1 only");
            }
            return sources.length == 1 ? sources[0] : plan.concat(layer, sources);
        }

        private int pad(Onnx.NodeProto node, String layer) throws IOException {
            int x = spatialTensor(node, node.getInput(0));
            String mode = stringAttr(node, "mode", "constant");
            long[] p = opset >= 11 ? constant(node, node.getInput(1)).longs : longsAttr(node, "pads", null);
            double value = opset >= 11
                    ? (node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? constant(node, node.getInput(2)).value(0) : 0)
                    : floatAttr(node, "value", 0f);
            if (!mode.equals("constant") || value != 0 || p == null || p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0
                    || (node.getInputCount() > 3 && !node.getInput(3).isEmpty())) {
                throw unsupported(node, "pads in mode " + mode + " with value " + value + " and pads " + Arrays.toString(p)
                        + "; Heed's engine supports zero padding of height and width only");
            }
            for (long v : p) {
                if (v < 0) {
                    throw unsupported(node, "has negative pads (a crop), which Heed's engine does not support");
                }
            }
            // [N_begin, C_begin, H_begin, W_begin, N_end, C_end, H_end, W_end]
            return plan.zeroPad(layer, x, new Padding((int) p[2], (int) p[3], (int) p[6], (int) p[7]));
        }

        // ---- tensors and attributes -------------------------------------------------------------------------------

        private Const tensor(Onnx.TensorProto t) throws IOException {
            String where = source + ": tensor '" + t.getName() + "'";
            if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
                throw new IOException(where + " keeps its values in an external data file; Heed reads only self-contained ONNX files");
            }
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            long count = 1;
            for (long d : dims) {
                if (d < 0 || (d > 0 && count > Integer.MAX_VALUE / d)) {
                    throw new IOException(where + " has an invalid shape " + Arrays.toString(dims));
                }
                count *= d;
            }
            int n = (int) count;
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            boolean hasRaw = !t.getRawData().isEmpty();
            int type = t.getDataType();
            int width = switch (type) {
                case 1, 6 -> 4;      // FLOAT, INT32
                case 7, 11 -> 8;     // INT64, DOUBLE
                default -> throw new IOException(where + " has ONNX data type " + type + "; Heed reads float, double, int32 and int64 tensors");
            };
            int stored = hasRaw ? raw.remaining() / width : switch (type) {
                case 1 -> t.getFloatDataCount();
                case 6 -> t.getInt32DataCount();
                case 7 -> t.getInt64DataCount();
                default -> t.getDoubleDataCount();
            };
            if (stored != n || (hasRaw && raw.remaining() != (long) n * width)) {
                throw new IOException(where + " holds " + stored + " values for shape " + Arrays.toString(dims));
            }
            if (type == 1 || type == 11) {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = type == 1 ? (hasRaw ? raw.getFloat() : t.getFloatData(i)) : (float) (hasRaw ? raw.getDouble() : t.getDoubleData(i));
                }
                return new Const(dims, null, f);
            }
            long[] l = new long[n];
            for (int i = 0; i < n; i++) {
                l[i] = type == 7 ? (hasRaw ? raw.getLong() : t.getInt64Data(i)) : (hasRaw ? raw.getInt() : t.getInt32Data(i));
            }
            return new Const(dims, l, null);
        }

        private static Onnx.AttributeProto attr(Onnx.NodeProto node, String name) {
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                if (a.getName().equals(name)) {
                    return a;
                }
            }
            return null;
        }

        private static boolean hasAttr(Onnx.NodeProto node, String name) {
            return attr(node, name) != null;
        }

        private static long intAttr(Onnx.NodeProto node, String name, long fallback) {
            Onnx.AttributeProto a = attr(node, name);
            return a == null ? fallback : a.getI();
        }

        private static float floatAttr(Onnx.NodeProto node, String name, float fallback) {
            Onnx.AttributeProto a = attr(node, name);
            return a == null ? fallback : a.getF();
        }

        private static String stringAttr(Onnx.NodeProto node, String name, String fallback) {
            Onnx.AttributeProto a = attr(node, name);
            return a == null ? fallback : a.getS().toString(StandardCharsets.UTF_8);
        }

        private static long[] longsAttr(Onnx.NodeProto node, String name, long[] fallback) {
            Onnx.AttributeProto a = attr(node, name);
            return a == null ? fallback : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static float[] floatArray(List<Float> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i);
        }
        return f;
    }

    private static int[] ints(long[] dims) {
        return Arrays.stream(dims).mapToInt(Math::toIntExact).toArray();
    }

    /** ONNX's SAME padding along one axis, {before, after}: SAME_UPPER puts the odd pixel after, SAME_LOWER before. */
    static int[] samePadding(int in, int kernel, int stride, int dilation, boolean upper) {
        int out = (in + stride - 1) / stride;
        int total = Math.max(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in);
        int small = total / 2;
        return upper ? new int[] {small, total - small} : new int[] {total - small, small};
    }

    /**
     * The padding to add at the end so that floor rounding gives ceil_mode's size; ONNX (as PyTorch) drops a last
     * window that would start in the end padding.
     */
    static int ceilExtra(int in, int kernel, int stride, int dilation, int before, int after) {
        int span = in + before + after - ((kernel - 1) * dilation + 1);
        int floorOut = span / stride + 1;
        int ceilOut = (span + stride - 1) / stride + 1;
        if ((ceilOut - 1) * stride >= in + before) {
            ceilOut--;
        }
        return Math.max(0, (ceilOut - floorOut) * stride);
    }

    /** {@code [rows][cols]} row-major to {@code [cols][rows]}. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** A plan tensor as ONNX writes its shape, batch first. */
    public static String onnxShape(TensorInfo t) {
        StringBuilder b = new StringBuilder("[N");
        for (int d : t.shape()) {
            b.append(", ").append(d);
        }
        return b.append(']').toString();
    }
}
