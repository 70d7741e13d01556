package dev.heed.toolkit.engine.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.io.Npy;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import onnx.Onnx;

/**
 * The committed torch exports (made by src/test/resources/onnx/make_models.py, which CI never runs), their references,
 * ONNX Runtime as a second oracle, and a builder for the small hand-made graphs the refusal and padding tests need.
 */
final class OnnxTestModels {
    /** The models make_models.py writes; each has NAME.onnx, NAME.input.npy, NAME.logits.npy and NAME.grad.npy. */
    static final String[] TORCH_MODELS = {"tiny_resnet", "tiny_mixed", "tiny_grouped", "mobilenet_v2_w025", "mobilenet_v3_small_w025"};
    /** The class whose logit make_models.py differentiates, per image. */
    static final int[] CLASSES = {3, 7};
    static final int[] INPUT_SHAPE = {2, 3, 32, 32};

    private OnnxTestModels() {
    }

    /** The input shape of the references make_models.py wrote for {@code plan}: a batch of 2 of the plan's input. */
    static int[] inputShape(dev.heed.toolkit.engine.plan.Plan plan) {
        int[] sample = plan.input().shape();
        int[] shape = new int[sample.length + 1];
        shape[0] = 2;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    static Path resource(String file) {
        try {
            return Path.of(OnnxTestModels.class.getResource("/onnx/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource onnx/" + file, e);
        }
    }

    static HostTensor npy(String file, int... shape) throws Exception {
        return new HostTensor(shape, Npy.read(resource(file)));
    }

    /** One-hot score weights: image b's class {@link #CLASSES}[b]. */
    static HostTensor classWeights(int classes) {
        float[] w = new float[CLASSES.length * classes];
        for (int b = 0; b < CLASSES.length; b++) {
            w[b * classes + CLASSES[b]] = 1;
        }
        return new HostTensor(new int[] {CLASSES.length, classes}, w);
    }

    /** ONNX Runtime's value of the model's one output, without graph optimisations (so it runs the file's own ops). */
    static HostTensor onnxRuntime(byte[] model, HostTensor input) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(model, options)) {
                String name = session.getInputNames().iterator().next();
                long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), shape);
                     OrtSession.Result result = session.run(Map.of(name, x))) {
                    OnnxTensor y = (OnnxTensor) result.get(0);
                    int[] outShape = Arrays.stream(y.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                    FloatBuffer values = y.getFloatBuffer();
                    float[] data = new float[values.remaining()];
                    values.get(data);
                    return new HostTensor(outShape, data);
                }
            }
        }
    }

    /** A one-input, one-output graph under construction, for opset {@code opset}. */
    static final class Graph {
        private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("test");
        private final long opset;

        Graph(long opset, String input, long... shape) {
            this.opset = opset;
            graph.addInput(value(input, shape));
        }

        Graph initializer(String name, float[] values, long... dims) {
            Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(1);
            for (long d : dims) {
                t.addDims(d);
            }
            for (float v : values) {
                t.addFloatData(v);
            }
            graph.addInitializer(t);
            return this;
        }

        Graph longs(String name, long... values) {
            Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length);
            for (long v : values) {
                t.addInt64Data(v);
            }
            graph.addInitializer(t);
            return this;
        }

        /** A node; attributes as name/value pairs: Long, Float, String or long[]. */
        Graph node(String name, String op, String[] inputs, String output, Object... attributes) {
            Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setName(name).setOpType(op).addOutput(output);
            for (String in : inputs) {
                n.addInput(in);
            }
            for (int i = 0; i < attributes.length; i += 2) {
                Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName((String) attributes[i]);
                Object v = attributes[i + 1];
                if (v instanceof Long l) {
                    a.setType(Onnx.AttributeProto.AttributeType.INT).setI(l);
                } else if (v instanceof Float f) {
                    a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f);
                } else if (v instanceof String s) {
                    a.setType(Onnx.AttributeProto.AttributeType.STRING).setS(org.nd4j.shade.protobuf.ByteString.copyFromUtf8(s));
                } else {
                    a.setType(Onnx.AttributeProto.AttributeType.INTS);
                    for (long l : (long[]) v) {
                        a.addInts(l);
                    }
                }
                n.addAttribute(a);
            }
            graph.addNode(n);
            return this;
        }

        byte[] output(String name, long... shape) {
            graph.addOutput(value(name, shape));
            return Onnx.ModelProto.newBuilder().setIrVersion(7).setProducerName("heed-test")
                    .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                    .setGraph(graph).build().toByteArray();
        }

        /** Another graph input. */
        Graph input(String name, long... shape) {
            graph.addInput(value(name, shape));
            return this;
        }

        /** A value whose sizes of -1 are symbolic ("N" for the batch, "d1", "d2"... after it). */
        private static Onnx.ValueInfoProto value(String name, long... shape) {
            Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
            for (int i = 0; i < shape.length; i++) {
                s.addDim(shape[i] < 0 ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(i == 0 ? "N" : "d" + i)
                        : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
            }
            return Onnx.ValueInfoProto.newBuilder().setName(name)
                    .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)))
                    .build();
        }
    }
}
