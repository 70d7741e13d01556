package dev.heed.toolkit.engine.plan;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * A plan as bytes, so that it can travel where DL4J does not (the portable GPU bundle, golden-output files): a
 * versioned, big-endian stream of the input shape, the ops with their attributes and float32 weights, the output and
 * the capture points. Reading rebuilds the plan through {@link PlanBuilder}, so a file gets the same shape checks as a
 * compiler; a truncated or inconsistent file is an {@link IOException}.
 */
public final class PlanFormat {
    private static final int MAGIC = 0x48504c4e; // "HPLN"
    /**
     * Version 2 adds a convolution's groups, an activation's second parameter and the element-wise product; version 3
     * the transformer ops (constant, gather, batched matrix product, layer norm, masked softmax, transpose, slice, gate)
     * and further inputs. A plan is written in the lowest version that holds it (a CNN plan byte for byte as before),
     * and every version is read.
     */
    private static final int VERSION = 3;

    private PlanFormat() {
    }

    /** Writes {@code plan} to {@code out}, which is not closed. */
    public static void write(Plan plan, OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        int version = needsVersion3(plan) ? 3 : needsVersion2(plan) ? 2 : 1;
        d.writeInt(MAGIC);
        d.writeInt(version);
        ints(d, plan.input().shape());
        // further inputs are entries of their own, placed where the builder made them, so that reading gives every
        // tensor its id again
        java.util.List<TensorInfo> extraInputs = plan.inputs().subList(1, plan.inputs().size());
        d.writeInt(plan.ops().size() + extraInputs.size());
        int nextInput = 0;
        for (Op op : plan.ops()) {
            while (nextInput < extraInputs.size() && extraInputs.get(nextInput).id() < op.output()) {
                input(d, extraInputs.get(nextInput++));
            }
            d.writeUTF(op.getClass().getSimpleName());
            d.writeUTF(op.layer());
            ints(d, op.inputs());
            if (op instanceof Op.Dense o) {
                weights(d, o.weight());
                weights(d, o.bias());
            } else if (op instanceof Op.Conv2d o) {
                window(d, o.window());
                weights(d, o.weight());
                weights(d, o.bias());
                if (version >= 2) {
                    d.writeInt(o.groups());
                }
            } else if (op instanceof Op.ChannelAffine o) {
                weights(d, o.scale());
                weights(d, o.shift());
            } else if (op instanceof Op.Activation o) {
                d.writeUTF(o.kind().name());
                d.writeDouble(o.alpha());
                if (version >= 2) {
                    d.writeDouble(o.beta());
                }
            } else if (op instanceof Op.Pool2d o) {
                d.writeUTF(o.kind().name());
                window(d, o.window());
                d.writeBoolean(o.countPadding());
            } else if (op instanceof Op.GlobalPool o) {
                d.writeUTF(o.kind().name());
                d.writeBoolean(plan.tensor(o.output()).isSpatial());
            } else if (op instanceof Op.ZeroPad o) {
                padding(d, o.padding());
            } else if (op instanceof Op.Reshape o) {
                ints(d, plan.tensor(o.output()).shape());
            } else if (op instanceof Op.Constant o) {
                weights(d, o.value());
            } else if (op instanceof Op.Gather o) {
                weights(d, o.table());
            } else if (op instanceof Op.MatMul o) {
                d.writeBoolean(o.transposeA());
                d.writeBoolean(o.transposeB());
                d.writeFloat(o.scale());
            } else if (op instanceof Op.LayerNorm o) {
                weights(d, o.gain());
                weights(d, o.bias());
                d.writeDouble(o.eps());
            } else if (op instanceof Op.Transpose o) {
                ints(d, o.permutation());
            } else if (op instanceof Op.Slice o) {
                d.writeInt(o.start());
                d.writeInt(o.length());
            }
            // Add, Multiply, Concat, Softmax (its mask is its second input) and Gate carry nothing beyond their inputs.
        }
        while (nextInput < extraInputs.size()) {
            input(d, extraInputs.get(nextInput++));
        }
        d.writeInt(plan.output().id());
        d.writeInt(plan.captures().size());
        for (Map.Entry<String, Integer> c : plan.captures().entrySet()) {
            d.writeUTF(c.getKey());
            d.writeInt(c.getValue());
        }
        d.flush();
    }

    /** A further input: its name and per-sample shape. */
    private static void input(DataOutputStream d, TensorInfo input) throws IOException {
        d.writeUTF(INPUT);
        d.writeUTF(input.producer());
        ints(d, input.shape());
    }

    /** The entry type of a further input; no op has this name. */
    private static final String INPUT = "+Input";

    /** Reads a plan written by {@link #write}; {@code in} is not closed. */
    public static Plan read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        if (d.readInt() != MAGIC) {
            throw new IOException("not a Heed plan (bad magic number)");
        }
        int version = d.readInt();
        if (version < 1 || version > VERSION) {
            throw new IOException("plan format version " + version + " is not supported (this Heed reads versions 1 to " + VERSION + ")");
        }
        try {
            PlanBuilder b = new PlanBuilder(ints(d));
            int count = d.readInt();
            for (int k = 0; k < count; k++) {
                String type = d.readUTF();
                if (type.equals(INPUT) && version >= 3) {
                    b.addInput(d.readUTF(), ints(d));
                    continue;
                }
                String layer = d.readUTF();
                int[] sources = ints(d);
                if (version < 3 && TRANSFORMER_OPS.contains(type)) {
                    throw new IOException("op type '" + type + "' in a version " + version + " plan");
                }
                switch (type) {
                    case "Dense" -> b.dense(layer, sources[0], weights(d), weights(d));
                    case "Conv2d" -> b.conv2d(layer, sources[0], window(d), weights(d), weights(d), version >= 2 ? d.readInt() : 1);
                    case "ChannelAffine" -> b.channelAffine(layer, sources[0], weights(d), weights(d));
                    case "Activation" -> b.activation(layer, sources[0], ActivationKind.valueOf(d.readUTF()), d.readDouble(),
                            version >= 2 ? d.readDouble() : 0);
                    case "Multiply" -> b.multiply(layer, sources[0], sources[1]);
                    case "Pool2d" -> b.pool2d(layer, sources[0], PoolKind.valueOf(d.readUTF()), window(d), d.readBoolean());
                    case "GlobalPool" -> b.globalPool(layer, sources[0], PoolKind.valueOf(d.readUTF()), d.readBoolean());
                    case "ZeroPad" -> b.zeroPad(layer, sources[0], padding(d));
                    case "Reshape" -> b.reshape(layer, sources[0], ints(d));
                    case "Add" -> b.add(layer, sources);
                    case "Concat" -> b.concat(layer, sources);
                    case "Constant" -> b.constant(layer, weights(d));
                    case "Gather" -> b.gather(layer, sources[0], weights(d));
                    case "MatMul" -> b.matMul(layer, sources[0], sources[1], d.readBoolean(), d.readBoolean(), d.readFloat());
                    case "LayerNorm" -> b.layerNorm(layer, sources[0], weights(d), weights(d), d.readDouble());
                    case "Softmax" -> b.softmax(layer, sources[0], sources.length > 1 ? sources[1] : -1);
                    case "Transpose" -> b.transpose(layer, sources[0], ints(d));
                    case "Slice" -> b.slice(layer, sources[0], d.readInt(), d.readInt());
                    case "Gate" -> b.gate(layer, sources[0]);
                    default -> throw new IOException("unknown op type '" + type + "' in the plan");
                }
            }
            int output = d.readInt();
            int captures = d.readInt();
            for (int k = 0; k < captures; k++) {
                b.capture(d.readUTF(), d.readInt());
            }
            return b.build(output);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IOException("inconsistent plan: " + e.getMessage(), e);
        }
    }

    private static final java.util.Set<String> TRANSFORMER_OPS = java.util.Set.of("Constant", "Gather", "MatMul", "LayerNorm", "Softmax",
            "Transpose", "Slice", "Gate");

    /** Whether {@code plan} uses anything version 2 cannot say: transformer ops, further inputs, GELU. */
    private static boolean needsVersion3(Plan plan) {
        return plan.inputs().size() > 1 || plan.ops().stream().anyMatch(op -> TRANSFORMER_OPS.contains(op.getClass().getSimpleName())
                || (op instanceof Op.Activation a && a.kind() == ActivationKind.GELU));
    }

    /** Whether {@code plan} uses anything version 1 cannot say. */
    private static boolean needsVersion2(Plan plan) {
        for (Op op : plan.ops()) {
            if (op instanceof Op.Multiply || (op instanceof Op.Conv2d c && c.groups() != 1) || (op instanceof Op.Activation a && a.beta() != 0)) {
                return true;
            }
        }
        return false;
    }

    private static void ints(DataOutputStream d, int[] values) throws IOException {
        d.writeInt(values.length);
        for (int v : values) {
            d.writeInt(v);
        }
    }

    private static int[] ints(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > 16) {
            throw new IOException("corrupt plan: an index list of length " + n);
        }
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = d.readInt();
        }
        return values;
    }

    private static void weights(DataOutputStream d, Weights w) throws IOException {
        d.writeBoolean(w != null);
        if (w != null) {
            ints(d, w.shape());
            java.nio.FloatBuffer values = w.buffer();
            while (values.hasRemaining()) {
                d.writeFloat(values.get());
            }
        }
    }

    private static Weights weights(DataInputStream d) throws IOException {
        if (!d.readBoolean()) {
            return null;
        }
        int[] shape = ints(d);
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IOException("corrupt plan: a weight of " + n + " values");
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = d.readFloat();
        }
        return new Weights(values, shape);
    }

    private static void window(DataOutputStream d, Window w) throws IOException {
        ints(d, new int[] {w.kernelH(), w.kernelW(), w.strideH(), w.strideW(), w.dilationH(), w.dilationW()});
        padding(d, w.padding());
    }

    private static Window window(DataInputStream d) throws IOException {
        int[] v = ints(d);
        if (v.length != 6) {
            throw new IOException("corrupt plan: a window of " + v.length + " values");
        }
        return new Window(v[0], v[1], v[2], v[3], v[4], v[5], padding(d));
    }

    private static void padding(DataOutputStream d, Padding p) throws IOException {
        ints(d, new int[] {p.top(), p.left(), p.bottom(), p.right()});
    }

    private static Padding padding(DataInputStream d) throws IOException {
        int[] v = ints(d);
        if (v.length != 4) {
            throw new IOException("corrupt plan: a padding of " + v.length + " values");
        }
        return new Padding(v[0], v[1], v[2], v[3]);
    }
}
