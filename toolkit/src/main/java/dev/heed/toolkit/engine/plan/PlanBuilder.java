package dev.heed.toolkit.engine.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Plan} op by op. Each method checks its arguments against the shapes of the tensors it reads, infers
 * the output shape, and returns the new tensor's id; so every plan is shape-consistent whichever compiler built it.
 * Argument errors are {@link IllegalArgumentException}s: they mean the compiler (or the model) is wrong, not that a
 * layer is unsupported.
 */
public final class PlanBuilder {
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();
    private final Map<String, Integer> captures = new LinkedHashMap<>();
    private final int input;
    private final List<Integer> inputs = new ArrayList<>();

    /** Starts a plan whose input has per-sample shape {@code [c, h, w]} or {@code [features]} (or token ids {@code [tokens]}). */
    public PlanBuilder(int... inputShape) {
        input = newTensor(inputShape, "input");
        inputs.add(input);
    }

    /**
     * A further input, fed beside the main one on every pass (a text encoder's token types and padding mask); inputs
     * are passed in the order they were added, the main one first.
     */
    public int addInput(String name, int... shape) {
        int id = newTensor(shape, name);
        inputs.add(id);
        return id;
    }

    public int input() {
        return input;
    }

    public TensorInfo tensor(int id) {
        return tensors.get(id);
    }

    private int newTensor(int[] shape, String producer) {
        tensors.add(new TensorInfo(tensors.size(), shape, producer));
        return tensors.size() - 1;
    }

    private TensorInfo spatial(int id, String layer) {
        TensorInfo t = tensors.get(id);
        if (!t.isSpatial()) {
            throw new IllegalArgumentException("layer '" + layer + "' needs a [c, h, w] input but gets " + t);
        }
        return t;
    }

    private TensorInfo flat(int id, String layer) {
        TensorInfo t = tensors.get(id);
        if (t.isSpatial()) {
            throw new IllegalArgumentException("layer '" + layer + "' needs a flat input but gets " + t);
        }
        return t;
    }

    /** The id the next op's output will get: ops are created with it, then {@link #add(Op, int[])} makes it real. */
    private int next() {
        return tensors.size();
    }

    private int add(Op op, int[] shape) {
        int out = newTensor(shape, op.layer());
        if (out != op.output()) {
            throw new IllegalStateException("op " + op + " was built for tensor " + op.output() + " but got " + out);
        }
        ops.add(op);
        return out;
    }

    /** Weight {@code [out][in]}, bias {@code [out]} or null; a {@code [tokens, in]} input is transformed row by row. */
    public int dense(String layer, int in, Weights weight, Weights bias) {
        TensorInfo x = tensors.get(in);
        int[] w = weight.shape();
        boolean rows = x.rank() == 2;
        if (!rows) {
            flat(in, layer);
        }
        if (w.length != 2 || w[1] != (rows ? x.lastDim() : x.size())) {
            throw new IllegalArgumentException("layer '" + layer + "': weight " + Arrays.toString(w) + " does not take input " + x);
        }
        checkVector(layer, "bias", bias, w[0], true);
        return add(new Op.Dense(layer, in, next(), weight, bias), rows ? new int[] {x.shape()[0], w[0]} : new int[] {w[0]});
    }

    /** A per-sample constant (same for the whole batch) of {@code value}'s shape. */
    public int constant(String layer, Weights value) {
        return add(new Op.Constant(layer, next(), value), value.shape());
    }

    /** Rows of {@code table [rows][dim]} picked by the float ids of {@code ids [tokens]}: {@code [tokens, dim]}. */
    public int gather(String layer, int ids, Weights table) {
        TensorInfo x = tensors.get(ids);
        int[] t = table.shape();
        if (x.rank() != 1 || t.length != 2) {
            throw new IllegalArgumentException("layer '" + layer + "': cannot gather " + Arrays.toString(t) + " rows by " + x);
        }
        return add(new Op.Gather(layer, ids, next(), table), new int[] {x.size(), t[1]});
    }

    /** {@code scale * op(a) op(b)} over the last two axes, the leading axes (heads) equal. */
    public int matMul(String layer, int a, int b, boolean transposeA, boolean transposeB, float scale) {
        int[] x = tensors.get(a).shape();
        int[] y = tensors.get(b).shape();
        int r = x.length;
        if (r < 2 || y.length != r || !Arrays.equals(Arrays.copyOf(x, r - 2), Arrays.copyOf(y, r - 2))) {
            throw new IllegalArgumentException("layer '" + layer + "': cannot multiply " + tensors.get(a) + " by " + tensors.get(b));
        }
        int m = transposeA ? x[r - 1] : x[r - 2];
        int k = transposeA ? x[r - 2] : x[r - 1];
        int kb = transposeB ? y[r - 1] : y[r - 2];
        int n = transposeB ? y[r - 2] : y[r - 1];
        if (k != kb) {
            throw new IllegalArgumentException("layer '" + layer + "': inner sizes " + k + " and " + kb + " differ in " + tensors.get(a)
                    + " x " + tensors.get(b));
        }
        int[] shape = Arrays.copyOf(x, r);
        shape[r - 2] = m;
        shape[r - 1] = n;
        return add(new Op.MatMul(layer, a, b, next(), transposeA, transposeB, scale), shape);
    }

    /** Layer normalisation over the last axis. */
    public int layerNorm(String layer, int in, Weights gain, Weights bias, double eps) {
        TensorInfo x = tensors.get(in);
        checkVector(layer, "gain", gain, x.lastDim(), false);
        checkVector(layer, "bias", bias, x.lastDim(), false);
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("layer '" + layer + "': layer norm epsilon " + eps);
        }
        return add(new Op.LayerNorm(layer, in, next(), gain, bias, eps), x.shape());
    }

    /** Softmax over the last axis; {@code mask} is -1 or a {@code [keys]} tensor whose zeros exclude keys. */
    public int softmax(String layer, int in, int mask) {
        TensorInfo x = tensors.get(in);
        if (mask >= 0 && (tensors.get(mask).rank() != 1 || tensors.get(mask).size() != x.lastDim())) {
            throw new IllegalArgumentException("layer '" + layer + "': mask " + tensors.get(mask) + " does not fit " + x);
        }
        return add(new Op.Softmax(layer, in, mask, next()), x.shape());
    }

    /** Output axis {@code i} is input axis {@code permutation[i]}. */
    public int transpose(String layer, int in, int... permutation) {
        int[] x = tensors.get(in).shape();
        int[] sorted = permutation.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted.length != x.length || sorted[i] != i) {
                throw new IllegalArgumentException("layer '" + layer + "': " + Arrays.toString(permutation) + " is not a permutation of the axes of "
                        + tensors.get(in));
            }
        }
        int[] shape = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            shape[i] = x[permutation[i]];
        }
        return add(new Op.Transpose(layer, in, next(), permutation), shape);
    }

    /** Entries {@code [start, start + length)} of the first axis. */
    public int slice(String layer, int in, int start, int length) {
        int[] x = tensors.get(in).shape();
        if (start < 0 || length < 1 || start + length > x[0]) {
            throw new IllegalArgumentException("layer '" + layer + "': cannot take " + length + " from " + start + " of " + tensors.get(in));
        }
        int[] shape = x.clone();
        shape[0] = length;
        return add(new Op.Slice(layer, in, next(), start, length), shape);
    }

    /** A gate of ones on {@code in} whose gradient a pass can return ({@link Op.Gate}). */
    public int gate(String layer, int in) {
        return add(new Op.Gate(layer, in, next()), tensors.get(in).shape());
    }

    /** Weight {@code [out][in][kh][kw]}, bias {@code [out]} or null; the window's kernel must match the weight's. */
    public int conv2d(String layer, int in, Window window, Weights weight, Weights bias) {
        return conv2d(layer, in, window, weight, bias, 1);
    }

    /**
     * A grouped convolution: weight {@code [out][in / groups][kh][kw]}, {@code groups} dividing both channel counts;
     * bias {@code [out]} or null.
     */
    public int conv2d(String layer, int in, Window window, Weights weight, Weights bias, int groups) {
        TensorInfo x = spatial(in, layer);
        int[] w = weight.shape();
        if (groups < 1 || x.channels() % groups != 0) {
            throw new IllegalArgumentException("layer '" + layer + "': " + groups + " groups do not divide the " + x.channels() + " input channels");
        }
        if (w.length != 4 || w[0] % groups != 0 || w[1] != x.channels() / groups || w[2] != window.kernelH() || w[3] != window.kernelW()) {
            throw new IllegalArgumentException("layer '" + layer + "': weight " + Arrays.toString(w) + " does not fit input " + x
                    + (groups == 1 ? "" : " in " + groups + " groups") + " and kernel " + window.kernelH() + "x" + window.kernelW());
        }
        checkVector(layer, "bias", bias, w[0], true);
        return add(new Op.Conv2d(layer, in, next(), window, weight, bias, groups),
                new int[] {w[0], window.outputHeight(x.height()), window.outputWidth(x.width())});
    }

    public int channelAffine(String layer, int in, Weights scale, Weights shift) {
        TensorInfo x = tensors.get(in);
        checkVector(layer, "scale", scale, x.channels(), false);
        checkVector(layer, "shift", shift, x.channels(), false);
        return add(new Op.ChannelAffine(layer, in, next(), scale, shift), x.shape());
    }

    public int activation(String layer, int in, ActivationKind kind, double alpha) {
        return activation(layer, in, kind, alpha, 0);
    }

    /** {@code alpha} and {@code beta} as {@link Op.Activation} reads them; those the kind does not use become 0. */
    public int activation(String layer, int in, ActivationKind kind, double alpha, double beta) {
        boolean hasAlpha = kind == ActivationKind.LEAKY_RELU || kind == ActivationKind.CLIP || kind == ActivationKind.HARD_SIGMOID;
        boolean hasBeta = kind == ActivationKind.CLIP || kind == ActivationKind.HARD_SIGMOID;
        if (kind == ActivationKind.CLIP && !(alpha < beta)) {
            throw new IllegalArgumentException("layer '" + layer + "': clip to [" + alpha + ", " + beta + "] is empty");
        }
        return add(new Op.Activation(layer, in, next(), kind, hasAlpha ? alpha : 0, hasBeta ? beta : 0), tensors.get(in).shape());
    }

    /** {@code a * b}, {@code b} of {@code a}'s shape or {@code [c, 1, 1]} against a spatial {@code a} (per channel). */
    public int multiply(String layer, int a, int b) {
        TensorInfo x = tensors.get(a);
        TensorInfo y = tensors.get(b);
        boolean perChannel = x.isSpatial() && y.isSpatial() && y.channels() == x.channels() && y.height() == 1 && y.width() == 1;
        if (!Arrays.equals(x.shape(), y.shape()) && !perChannel) {
            throw new IllegalArgumentException("layer '" + layer + "': cannot multiply " + x + " by " + y
                    + " (the second must have the first's shape or be [c, 1, 1])");
        }
        return add(new Op.Multiply(layer, a, b, next()), x.shape());
    }

    public int pool2d(String layer, int in, PoolKind kind, Window window, boolean countPadding) {
        TensorInfo x = spatial(in, layer);
        if (kind == PoolKind.SUM) {
            throw new IllegalArgumentException("layer '" + layer + "': windowed sum pooling is not a plan op");
        }
        return add(new Op.Pool2d(layer, in, next(), kind, window, countPadding && kind == PoolKind.AVG),
                new int[] {x.channels(), window.outputHeight(x.height()), window.outputWidth(x.width())});
    }

    /** {@code keepSpatial}: the output is {@code [c, 1, 1]} rather than {@code [c]}. */
    public int globalPool(String layer, int in, PoolKind kind, boolean keepSpatial) {
        TensorInfo x = spatial(in, layer);
        return add(new Op.GlobalPool(layer, in, next(), kind), keepSpatial ? new int[] {x.channels(), 1, 1} : new int[] {x.channels()});
    }

    public int zeroPad(String layer, int in, Padding padding) {
        TensorInfo x = spatial(in, layer);
        return add(new Op.ZeroPad(layer, in, next(), padding), new int[] {x.channels(),
                x.height() + padding.top() + padding.bottom(), x.width() + padding.left() + padding.right()});
    }

    public int reshape(String layer, int in, int... shape) {
        TensorInfo x = tensors.get(in);
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != x.size()) {
            throw new IllegalArgumentException("layer '" + layer + "': cannot reshape " + x + " to " + Arrays.toString(shape));
        }
        return add(new Op.Reshape(layer, in, next()), shape);
    }

    public int add(String layer, int... sources) {
        if (sources.length < 2) {
            throw new IllegalArgumentException("layer '" + layer + "': an add needs at least two inputs");
        }
        int[] shape = tensors.get(sources[0]).shape();
        for (int s : sources) {
            if (!Arrays.equals(tensors.get(s).shape(), shape)) {
                throw new IllegalArgumentException("layer '" + layer + "': cannot add " + tensors.get(sources[0]) + " and " + tensors.get(s));
            }
        }
        return add(new Op.Add(layer, sources, next()), shape);
    }

    public int concat(String layer, int... sources) {
        if (sources.length < 1) {
            throw new IllegalArgumentException("layer '" + layer + "': a concatenation needs inputs");
        }
        int[] shape = tensors.get(sources[0]).shape();
        int channels = 0;
        for (int s : sources) {
            int[] other = tensors.get(s).shape();
            if (other.length != shape.length || !Arrays.equals(Arrays.copyOfRange(other, 1, other.length), Arrays.copyOfRange(shape, 1, shape.length))) {
                throw new IllegalArgumentException("layer '" + layer + "': cannot concatenate " + tensors.get(sources[0]) + " and " + tensors.get(s));
            }
            channels += other[0];
        }
        shape[0] = channels;
        return add(new Op.Concat(layer, sources, next()), shape);
    }

    /** Names a capture point; a later call with the same name moves it. */
    public PlanBuilder capture(String layer, int tensor) {
        captures.put(layer, tensor);
        return this;
    }

    /** Finishes the plan with {@code logits} (a flat tensor) as its output. */
    public Plan build(int logits) {
        if (tensors.get(logits).isSpatial()) {
            throw new IllegalArgumentException("the output must be flat logits [classes], not " + tensors.get(logits));
        }
        return new Plan(tensors, ops, inputs, logits, captures);
    }

    private static void checkVector(String layer, String what, Weights v, int length, boolean optional) {
        if (v == null) {
            if (!optional) {
                throw new IllegalArgumentException("layer '" + layer + "': " + what + " is missing");
            }
            return;
        }
        if (v.length() != length) {
            throw new IllegalArgumentException("layer '" + layer + "': " + what + " has " + v.length() + " values, expected " + length);
        }
    }
}
