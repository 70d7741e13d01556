package dev.heed.toolkit.engine.dl4j;

import dev.heed.toolkit.model.Dl4jModels;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J network to {@link Plan}. The network is read, never modified; its weights are copied out as float32.
 *
 * <p>Semantics reproduced from DL4J 1.0.0-M2.1, as {@code Dl4jModel}'s twin runs it:
 * <ul>
 *   <li>{@code ConvolutionMode.Same}: output {@code ceil(in / stride)}, total padding
 *       {@code max(0, (out - 1) * stride + (k - 1) * dilation + 1 - in)}, of which {@code floor(total / 2)} goes to the
 *       top/left and the rest to the bottom/right; the configured padding is ignored. {@code Truncate} and {@code Strict}:
 *       the configured padding on both sides, and the output rounded down.</li>
 *   <li>BatchNorm in inference form, {@code gamma (x - mean) / sqrt(var + eps) + beta}; with {@code useLogStd} DL4J stores
 *       {@code log10 sqrt(var)} and its inference pass still adds eps to {@code var}. DL4J M2.1's BatchNorm does not apply its configured activation,
 *       so neither does the plan.</li>
 *   <li>{@code CnnToFeedForwardPreProcessor} flattens channel-major ('c' order over {@code [c, h, w]}).</li>
 *   <li>The output layer (dense {@code OutputLayer} or {@code DenseLayer}) gives its pre-activation; a {@code LossLayer}
 *       gives its input. Whatever activation they name (softmax, usually) is dropped: scores are logits.</li>
 * </ul>
 * Anything else raises {@link UnsupportedLayerException}, naming the layer and its type.
 */
public final class PlanCompiler {
    private PlanCompiler() {
    }

    /** Compiles either kind of DL4J network: {@link #compile(MultiLayerNetwork, int...)} or {@link #compile(ComputationGraph, int...)}. */
    public static Plan compile(org.deeplearning4j.nn.api.Model network, int... inputShape) {
        if (network instanceof MultiLayerNetwork mln) {
            return compile(mln, inputShape);
        }
        if (network instanceof ComputationGraph graph) {
            return compile(graph, inputShape);
        }
        throw new IllegalArgumentException("unsupported model type " + network.getClass().getSimpleName());
    }

    /** Compiles a network whose input has per-sample shape {@code [c, h, w]} (DL4J does not record it for a list network). */
    public static Plan compile(MultiLayerNetwork network, int... inputShape) {
        PlanBuilder plan = new PlanBuilder(inputShape);
        Layer[] layers = network.getLayers();
        int x = plan.input();
        for (int i = 0; i < layers.length; i++) {
            String name = layers[i].conf().getLayer().getLayerName();
            x = layer(plan, name != null ? name : String.valueOf(i), Dl4jModels.innerLayer(layers[i]),
                    network.getLayerWiseConfigurations().getInputPreProcess(i), x, i == layers.length - 1);
        }
        return plan.build(x);
    }

    /** Compiles a graph with one input (per-sample shape {@code [c, h, w]}) and one output; dead-end branches are left out. */
    public static Plan compile(ComputationGraph graph, int... inputShape) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (graph.getNumInputArrays() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new UnsupportedLayerException(conf.getNetworkInputs().toString(), "ComputationGraph",
                    "has " + graph.getNumInputArrays() + " inputs and " + conf.getNetworkOutputs().size()
                            + " outputs; Heed's engine takes graphs with one of each");
        }
        GraphVertex[] vertices = graph.getVertices();
        String outputName = conf.getNetworkOutputs().get(0);
        Set<Integer> needed = new HashSet<>();
        ArrayDeque<Integer> pending = new ArrayDeque<>(List.of(graph.getVertex(outputName).getVertexIndex()));
        while (!pending.isEmpty()) {
            int v = pending.pop();
            if (needed.add(v) && vertices[v].getInputVertices() != null) {
                for (VertexIndices in : vertices[v].getInputVertices()) {
                    pending.add(in.getVertexIndex());
                }
            }
        }
        PlanBuilder plan = new PlanBuilder(inputShape);
        Map<Integer, Integer> tensorOf = new HashMap<>();
        int logits = -1;
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex vertex = vertices[index];
            if (!needed.contains(index)) {
                continue;
            }
            if (vertex.isInputVertex()) {
                tensorOf.put(index, plan.input());
                continue;
            }
            String name = vertex.getVertexName();
            int[] inputs = Arrays.stream(vertex.getInputVertices()).mapToInt(v -> tensorOf.get(v.getVertexIndex())).toArray();
            boolean isOutput = name.equals(outputName);
            org.deeplearning4j.nn.conf.graph.GraphVertex vertexConf = conf.getVertices().get(name);
            int out;
            if (vertex.hasLayer()) {
                InputPreProcessor pre = vertexConf instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv ? lv.getPreProcessor() : null;
                out = layer(plan, name, Dl4jModels.innerLayer(vertex.getLayer()), pre, inputs[0], isOutput);
            } else if (isOutput) {
                throw new UnsupportedLayerException(name, vertexConf.getClass().getSimpleName(),
                        "cannot be the output: Heed's engine takes logits from a dense output layer");
            } else if (vertexConf instanceof ElementWiseVertex ew) {
                if (ew.getOp() != ElementWiseVertex.Op.Add) {
                    throw new UnsupportedLayerException(name, "ElementWiseVertex", "with op " + ew.getOp()
                            + " is not supported by Heed's engine (only Add is)");
                }
                out = inputs.length == 1 ? inputs[0] : plan.add(name, inputs);
                plan.capture(name, out);
            } else if (vertexConf instanceof MergeVertex merge) {
                if (merge.getMergeAxis() != 1) {
                    throw new UnsupportedLayerException(name, "MergeVertex", "merges along axis " + merge.getMergeAxis()
                            + ", which is not supported by Heed's engine (only the channel axis 1 is)");
                }
                out = inputs.length == 1 ? inputs[0] : plan.concat(name, inputs);
                plan.capture(name, out);
            } else if (vertexConf instanceof PreprocessorVertex pv) {
                out = preprocess(plan, name, pv.getPreProcessor(), inputs[0]);
                plan.capture(name, out);
            } else {
                throw new UnsupportedLayerException(name, vertexConf.getClass().getSimpleName(), null);
            }
            tensorOf.put(index, out);
            if (isOutput) {
                logits = out;
            }
        }
        return plan.build(logits);
    }

    /** Emits one layer's ops (its preprocessor first), names its output as a capture point, and returns that tensor. */
    private static int layer(PlanBuilder plan, String name, Layer layer, InputPreProcessor pre, int input, boolean isOutput) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        String type = conf.getClass().getSimpleName();
        int x = preprocess(plan, name, pre, input);
        int out;
        if (isOutput) {
            out = outputLayer(plan, name, layer, conf, x);
        } else if (conf.getClass() == DenseLayer.class) {
            if (((DenseLayer) conf).hasLayerNorm()) {
                throw new UnsupportedLayerException(name, type, "with layer normalisation is not supported by Heed's engine");
            }
            requireFlat(plan, name, type, x);
            out = activation(plan, name, type, ((DenseLayer) conf).getActivationFn(),
                    plan.dense(name, x, denseWeight(layer), vector(layer.getParam("b"))));
        } else if (conf.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer c = (ConvolutionLayer) conf;
            requireNchw(name, type, c.getCnn2dDataFormat());
            requireSpatial(plan, name, type, x);
            INDArray w = layer.getParam("W");
            Window window = window(name, type, plan.tensor(x), c.getKernelSize(), c.getStride(), c.getDilation(),
                    c.getPadding(), c.getConvolutionMode());
            Weights bias = c.hasBias() ? vector(layer.getParam("b")) : null;
            out = activation(plan, name, type, c.getActivationFn(),
                    plan.conv2d(name, x, window, new Weights(floats(w), intShape(w)), bias));
        } else if (conf instanceof BatchNormalization bn) {
            if (plan.tensor(x).isSpatial()) {
                requireNchw(name, type, bn.getCnn2DFormat());
            }
            out = batchNorm(plan, name, layer, bn, x);
        } else if (conf instanceof ActivationLayer a) {
            out = activation(plan, name, type, a.getActivationFn(), x);
        } else if (conf.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer s = (SubsamplingLayer) conf;
            requireNchw(name, type, s.getCnn2dDataFormat());
            requireSpatial(plan, name, type, x);
            PoolKind kind = switch (s.getPoolingType()) {
                case MAX -> PoolKind.MAX;
                case AVG -> PoolKind.AVG;
                default -> throw new UnsupportedLayerException(name, type, "with " + s.getPoolingType()
                        + " pooling is not supported by Heed's engine (max and average are)");
            };
            Window window = window(name, type, plan.tensor(x), s.getKernelSize(), s.getStride(), s.getDilation(),
                    s.getPadding(), s.getConvolutionMode());
            out = plan.pool2d(name, x, kind, window, s.isAvgPoolIncludePadInDivisor());
        } else if (conf instanceof GlobalPoolingLayer g) {
            requireSpatial(plan, name, type, x);
            int[] dims = g.getPoolingDimensions();
            if (dims != null && !(dims.length == 2 && Math.min(dims[0], dims[1]) == 2 && Math.max(dims[0], dims[1]) == 3)) {
                throw new UnsupportedLayerException(name, type, "pools over dimensions " + Arrays.toString(dims)
                        + ", which is not supported by Heed's engine (only height and width, [2, 3], are)");
            }
            PoolKind kind = switch (g.getPoolingType()) {
                case MAX -> PoolKind.MAX;
                case AVG -> PoolKind.AVG;
                case SUM -> PoolKind.SUM;
                default -> throw new UnsupportedLayerException(name, type, "with " + g.getPoolingType()
                        + " pooling is not supported by Heed's engine (max, average and sum are)");
            };
            out = plan.globalPool(name, x, kind, !g.isCollapseDimensions());
        } else if (conf instanceof ZeroPaddingLayer z) {
            requireNchw(name, type, z.getDataFormat());
            requireSpatial(plan, name, type, x);
            int[] p = z.getPadding(); // DL4J's order: top, bottom, left, right
            out = plan.zeroPad(name, x, new Padding(p[0], p[2], p[1], p[3]));
        } else if (conf instanceof DropoutLayer) {
            out = x; // inference mode: the identity
        } else {
            throw new UnsupportedLayerException(name, type, null);
        }
        plan.capture(name, out);
        return out;
    }

    private static int outputLayer(PlanBuilder plan, String name, Layer layer, org.deeplearning4j.nn.conf.layers.Layer conf, int x) {
        String type = conf.getClass().getSimpleName();
        if (conf.getClass() == LossLayer.class) {
            requireFlat(plan, name, type, x);
            return x;
        }
        if (conf.getClass() != OutputLayer.class && conf.getClass() != DenseLayer.class) {
            throw new UnsupportedLayerException(name, type, "cannot be the output: Heed's engine takes logits from a dense "
                    + "OutputLayer, DenseLayer or LossLayer");
        }
        if (conf instanceof DenseLayer d && d.hasLayerNorm()) {
            throw new UnsupportedLayerException(name, type, "with layer normalisation is not supported by Heed's engine");
        }
        requireFlat(plan, name, type, x);
        INDArray b = layer.getParam("b");
        return plan.dense(name, x, denseWeight(layer), b == null ? null : vector(b));
    }

    private static int batchNorm(PlanBuilder plan, String name, Layer layer, BatchNormalization conf, int x) {
        int channels = plan.tensor(x).channels();
        double[] std = new double[channels];
        if (conf.isUseLogStd()) {
            // DL4J M2.1 turns the stored log10(std) back into var = std^2 and then still divides by sqrt(var + eps),
            // so eps counts on top of the stored deviation (a plain 10^log10std is off by ~eps/var: 7e-5 relative
            // on the bundled CNN's logits).
            float[] log10std = floats(layer.getParam("log10stdev"));
            for (int c = 0; c < channels; c++) {
                std[c] = Math.sqrt(Math.pow(10, 2.0 * log10std[c]) + conf.getEps());
            }
        } else {
            float[] var = floats(layer.getParam("var"));
            for (int c = 0; c < channels; c++) {
                std[c] = Math.sqrt(var[c] + conf.getEps());
            }
        }
        float[] mean = floats(layer.getParam("mean"));
        float[] gamma = conf.isLockGammaBeta() ? filled(channels, conf.getGamma()) : floats(layer.getParam("gamma"));
        float[] beta = conf.isLockGammaBeta() ? filled(channels, conf.getBeta()) : floats(layer.getParam("beta"));
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            double s = gamma[c] / std[c];
            scale[c] = (float) s;
            shift[c] = (float) (beta[c] - mean[c] * s);
        }
        return plan.channelAffine(name, x, new Weights(scale, channels), new Weights(shift, channels));
    }

    private static float[] filled(int n, double value) {
        float[] a = new float[n];
        Arrays.fill(a, (float) value);
        return a;
    }

    /** Applies a layer's fused activation after {@code z}; identity adds nothing. */
    private static int activation(PlanBuilder plan, String name, String type, IActivation fn, int z) {
        Class<?> c = fn.getClass();
        if (c == ActivationIdentity.class) {
            return z;
        }
        if (c == ActivationReLU.class) {
            ActivationReLU relu = (ActivationReLU) fn;
            if (isUnset(relu.getMax()) && isUnset(relu.getThreshold()) && isUnset(relu.getNegativeSlope())) {
                return plan.activation(name, z, ActivationKind.RELU, 0);
            }
            throw new UnsupportedLayerException(name, type, "has a ReLU with a maximum, threshold or negative slope ("
                    + fn + "), which is not supported by Heed's engine");
        }
        if (c == ActivationLReLU.class) {
            return plan.activation(name, z, ActivationKind.LEAKY_RELU, ((ActivationLReLU) fn).getAlpha());
        }
        if (c == ActivationSigmoid.class) {
            return plan.activation(name, z, ActivationKind.SIGMOID, 0);
        }
        if (c == ActivationTanH.class) {
            return plan.activation(name, z, ActivationKind.TANH, 0);
        }
        if (c == ActivationSoftmax.class) {
            throw new UnsupportedLayerException(name, type, "has a softmax activation, which Heed's engine supports only "
                    + "on the output layer (where it is dropped: scores are logits)");
        }
        throw new UnsupportedLayerException(name, type, "has activation " + fn + ", which is not supported by Heed's engine "
                + "(identity, relu, leakyrelu, sigmoid and tanh are)");
    }

    private static boolean isUnset(Double d) {
        return d == null || d == 0.0;
    }

    private static int preprocess(PlanBuilder plan, String name, InputPreProcessor pre, int x) {
        if (pre == null) {
            return x;
        }
        TensorInfo in = plan.tensor(x);
        if (pre instanceof CnnToFeedForwardPreProcessor p) {
            if (p.getFormat() != CNN2DFormat.NCHW) {
                throw new UnsupportedLayerException(name, "CnnToFeedForwardPreProcessor", "flattens " + p.getFormat()
                        + " data, which is not supported by Heed's engine (only NCHW is)");
            }
            return in.isSpatial() ? plan.reshape(name, x, in.size()) : x;
        }
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            return plan.reshape(name, x, (int) p.getNumChannels(), (int) p.getInputHeight(), (int) p.getInputWidth());
        }
        throw new UnsupportedLayerException(name, pre.getClass().getSimpleName(), "is an input preprocessor that is not "
                + "supported by Heed's engine");
    }

    /**
     * The window of a convolution or subsampling layer, with DL4J's padding mode resolved to explicit padding for this
     * input size (see the class comment).
     */
    static Window window(String name, String type, TensorInfo input, int[] kernel, int[] stride, int[] dilation,
                         int[] padding, ConvolutionMode mode) {
        int[] d = dilation == null ? new int[] {1, 1} : dilation;
        Padding pad;
        switch (mode) {
            case Same -> {
                int[] top = samePadding(input.height(), kernel[0], stride[0], d[0]);
                int[] left = samePadding(input.width(), kernel[1], stride[1], d[1]);
                pad = new Padding(top[0], left[0], top[1], left[1]);
            }
            case Truncate, Strict -> pad = new Padding(padding[0], padding[1], padding[0], padding[1]);
            default -> throw new UnsupportedLayerException(name, type, "uses ConvolutionMode." + mode
                    + ", which is not supported by Heed's engine (Same, Truncate and Strict are)");
        }
        return new Window(kernel[0], kernel[1], stride[0], stride[1], d[0], d[1], pad);
    }

    /** DL4J's Same padding along one axis: {before, after}. */
    static int[] samePadding(int in, int kernel, int stride, int dilation) {
        int out = (in + stride - 1) / stride;
        int effectiveKernel = (kernel - 1) * dilation + 1;
        int total = Math.max(0, (out - 1) * stride + effectiveKernel - in);
        return new int[] {total / 2, total - total / 2};
    }

    private static void requireNchw(String name, String type, CNN2DFormat format) {
        if (format != null && format != CNN2DFormat.NCHW) {
            throw new UnsupportedLayerException(name, type, "uses the " + format + " data format, which is not supported by "
                    + "Heed's engine (only NCHW is)");
        }
    }

    private static void requireSpatial(PlanBuilder plan, String name, String type, int x) {
        if (!plan.tensor(x).isSpatial()) {
            throw new UnsupportedLayerException(name, type, "gets a flat input " + plan.tensor(x) + "; Heed's engine needs [c, h, w] here");
        }
    }

    private static void requireFlat(PlanBuilder plan, String name, String type, int x) {
        if (plan.tensor(x).isSpatial()) {
            throw new UnsupportedLayerException(name, type, "gets a spatial input " + plan.tensor(x)
                    + " without a flattening preprocessor, which Heed's engine does not support");
        }
    }

    /** DL4J's dense weight is {@code [in][out]}; the plan's is {@code [out][in]}. */
    private static Weights denseWeight(Layer layer) {
        INDArray w = layer.getParam("W");
        return new Weights(floats(w.transpose()), (int) w.size(1), (int) w.size(0));
    }

    private static Weights vector(INDArray v) {
        return new Weights(floats(v), (int) v.length());
    }

    /** The values in row-major ('c') order over the array's logical shape, whatever its storage order. */
    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').reshape('c', new long[] {a.length()}).toFloatVector();
    }

    private static int[] intShape(INDArray a) {
        return Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray();
    }
}
