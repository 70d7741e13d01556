package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A DL4J network as a graph of named nodes in topological order: each with its type, inputs, hyper-parameters, output
 * shape (propagated by DL4J from the input type) and parameter count (from the initialised network).
 */
public final class NetworkGraph {
    /** The output of a node: {@code channels x height x width} for images, {@code size} for vectors. */
    public record Shape(long channels, long height, long width, long size) {
        public boolean spatial() {
            return height > 0;
        }

        @Override
        public String toString() {
            return spatial() ? channels + "×" + height + "×" + width : String.valueOf(size);
        }
    }

    /** One layer or vertex. {@code kind} is the DL4J class name without its package, or "Input". */
    public record Node(String name, String kind, List<String> inputs, Shape output, long params, Map<String, String> hyper) {
        public boolean isInput() {
            return kind.equals("Input");
        }
    }

    private final List<Node> nodes;
    private final String title;

    private NetworkGraph(List<Node> nodes, String title) {
        this.nodes = List.copyOf(nodes);
        this.title = title;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public String title() {
        return title;
    }

    public Node node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node named '" + name + "'"));
    }

    public long totalParams() {
        return nodes.stream().mapToLong(Node::params).sum();
    }

    /** Reads an initialised network; {@code input} is the shape of one input example. */
    public static NetworkGraph of(Model network, InputType input, String title) {
        if (network instanceof MultiLayerNetwork mln) {
            return ofMultiLayer(mln, input, title);
        }
        if (network instanceof ComputationGraph cg) {
            return ofGraph(cg, input, title);
        }
        throw new IllegalArgumentException("cannot draw a " + network.getClass().getSimpleName()
                + "; a MultiLayerNetwork or ComputationGraph is needed");
    }

    private static NetworkGraph ofMultiLayer(MultiLayerNetwork net, InputType input, String title) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<InputType> types = conf.getLayerActivationTypes(input);
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node("input", "Input", List.of(), shape(input), 0, Map.of()));
        String previous = "input";
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
            Shape in = nodes.get(nodes.size() - 1).output();
            nodes.add(new Node(name, layer.getClass().getSimpleName(), List.of(previous), shapeOf(layer, types.get(i), in),
                    net.getLayer(i).numParams(), hyper(layer)));
            previous = name;
        }
        return new NetworkGraph(nodes, title);
    }

    private static NetworkGraph ofGraph(ComputationGraph net, InputType input, String title) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) {
            throw new IllegalArgumentException("only single-input graphs are drawn; this one has inputs " + conf.getNetworkInputs());
        }
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        List<Node> nodes = new ArrayList<>();
        for (String name : conf.getTopologicalOrderStr()) {
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex == null) {
                nodes.add(new Node(name, "Input", List.of(), shape(input), 0, Map.of()));
                continue;
            }
            List<String> inputs = conf.getVertexInputs().getOrDefault(name, List.of());
            long params = net.getVertex(name).numParams();
            if (vertex instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                Shape in = inputs.isEmpty() ? shape(input) : nodes.stream().filter(n -> n.name().equals(inputs.get(0)))
                        .map(Node::output).findFirst().orElse(shape(input));
                nodes.add(new Node(name, layer.getClass().getSimpleName(), inputs, shapeOf(layer, types.get(name), in), params, hyper(layer)));
            } else {
                Map<String, String> hyper = new LinkedHashMap<>();
                if (vertex instanceof ElementWiseVertex ew) {
                    hyper.put("op", ew.getOp().name().toLowerCase(Locale.ROOT));
                }
                nodes.add(new Node(name, vertex.getClass().getSimpleName(), inputs, shape(types.get(name)), params, hyper));
            }
        }
        return new NetworkGraph(nodes, title);
    }

    /**
     * A layer's output shape. DL4J reports a loss layer's as a vector of its {@code nOut}, which is 0 when unset (the
     * zoo's SqueezeNet); a loss layer passes its input through, so its input's shape is the real one.
     */
    private static Shape shapeOf(Layer layer, InputType type, Shape in) {
        Shape own = shape(type);
        return layer instanceof LossLayer && own.size() == 0 ? in : own;
    }

    private static Shape shape(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional c) {
            return new Shape(c.getChannels(), c.getHeight(), c.getWidth(), c.getChannels() * c.getHeight() * c.getWidth());
        }
        if (type instanceof InputType.InputTypeConvolutionalFlat f) {
            return new Shape(f.getDepth(), f.getHeight(), f.getWidth(), f.getDepth() * f.getHeight() * f.getWidth());
        }
        long[] s = type.getShape(false);
        return new Shape(0, 0, 0, Arrays.stream(s).reduce(1, (a, b) -> a * b));
    }

    /** The hyper-parameters a diagram shows, in reading order. */
    private static Map<String, String> hyper(Layer layer) {
        Map<String, String> h = new LinkedHashMap<>();
        if (layer instanceof ConvolutionLayer c) {
            h.put("kernel", pair(c.getKernelSize()));
            h.put("stride", pair(c.getStride()));
            h.put("filters", String.valueOf(c.getNOut()));
            if (c.getDilation()[0] != 1 || c.getDilation()[1] != 1) {
                h.put("dilation", pair(c.getDilation()));
            }
            h.put("padding", c.getConvolutionMode() == org.deeplearning4j.nn.conf.ConvolutionMode.Same ? "same" : pair(c.getPadding()));
        } else if (layer instanceof SubsamplingLayer s) {
            h.put("pool", s.getPoolingType().name().toLowerCase(Locale.ROOT));
            h.put("kernel", pair(s.getKernelSize()));
            h.put("stride", pair(s.getStride()));
        } else if (layer instanceof GlobalPoolingLayer g) {
            h.put("pool", "global " + g.getPoolingType().name().toLowerCase(Locale.ROOT));
        } else if (layer instanceof ZeroPaddingLayer z) {
            h.put("padding", Arrays.toString(z.getPadding()));
        } else if (layer instanceof FeedForwardLayer f && !(layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)
                && f.getNOut() > 0) {
            // a loss layer without nOut has no units of its own: it scores its input
            h.put("units", String.valueOf(f.getNOut()));
        }
        if (layer instanceof BaseOutputLayer o && o.getLossFn() != null) {
            h.put("loss", lossName(o.getLossFn()));
        }
        if (layer instanceof LossLayer l && l.getLossFn() != null) {
            h.put("loss", lossName(l.getLossFn()));
        }
        if (layer instanceof BaseLayer b && b.getActivationFn() != null && !isIdentity(b)) {
            h.put("activation", activation(b.getActivationFn()));
        }
        if (layer instanceof ActivationLayer a && a.getActivationFn() != null) {
            h.put("activation", activation(a.getActivationFn()));
        }
        if (layer instanceof DropoutLayer d && d.getIDropout() != null) {
            h.put("dropout", d.getIDropout().toString());
        }
        return h;
    }

    private static String lossName(org.nd4j.linalg.lossfunctions.ILossFunction loss) {
        return loss.getClass().getSimpleName().replaceFirst("^Loss", "");
    }

    private static boolean isIdentity(BaseLayer b) {
        return activation(b.getActivationFn()).equals("identity");
    }

    private static String activation(org.nd4j.linalg.activations.IActivation fn) {
        String name = fn.getClass().getSimpleName();
        return name.startsWith("Activation") ? name.substring("Activation".length()).toLowerCase(Locale.ROOT) : fn.toString();
    }

    private static String pair(int[] values) {
        return values.length == 2 && values[0] == values[1] ? values[0] + "×" + values[1]
                : String.join("×", Arrays.stream(values).mapToObj(String::valueOf).toList());
    }
}
