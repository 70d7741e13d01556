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
     * Version 2 adds a convolution's groups, an activation's second parameter and the element-wise product. A plan
     * that needs none of them is still written as version 1, byte for byte as before, and both versions are read.
     */
    private static final int VERSION = 2;

    private PlanFormat() {
    }

    /** Writes {@code plan} to {@code out}, which is not closed. */
    public static void write(Plan plan, OutputStream out) throws IOException {
        for (Op op : plan.ops()) {
            if (op instanceof Op.Constant || op instanceof Op.Gather || op instanceof Op.MatMul || op instanceof Op.LayerNorm
                    || op instanceof Op.Softmax || op instanceof Op.Transpose || op instanceof Op.Slice || op instanceof Op.Gate
                    || plan.inputs().size() > 1) {
                // transformer plans are compiled from the model on load; the file format has no version for them yet
                throw new IllegalArgumentException("plan files do not hold transformer ops yet (op '" + op.layer() + "', "
                        + op.getClass().getSimpleName() + ")");
            }
        }
        DataOutputStream d = new DataOutputStream(out);
        int version = needsVersion2(plan) ? 2 : 1;
        d.writeInt(MAGIC);
        d.writeInt(version);
        ints(d, plan.input().shape());
        d.writeInt(plan.ops().size());
        for (Op op : plan.ops()) {
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
            }
            // Add, Multiply and Concat carry nothing beyond their inputs.
        }
        d.writeInt(plan.output().id());
        d.writeInt(plan.captures().size());
        for (Map.Entry<String, Integer> c : plan.captures().entrySet()) {
            d.writeUTF(c.getKey());
            d.writeInt(c.getValue());
        }
        d.flush();
    }

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
                String layer = d.readUTF();
                int[] sources = ints(d);
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
