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

    /** Starts a plan whose input has per-sample shape {@code [c, h, w]} or {@code [features]}. */
    public PlanBuilder(int... inputShape) {
        input = newTensor(inputShape, "input");
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

    /** Weight {@code [out][in]}, bias {@code [out]} or null. */
    public int dense(String layer, int in, Weights weight, Weights bias) {
        TensorInfo x = flat(in, layer);
        int[] w = weight.shape();
        if (w.length != 2 || w[1] != x.size()) {
            throw new IllegalArgumentException("layer '" + layer + "': weight " + Arrays.toString(w) + " does not take input " + x);
        }
        checkVector(layer, "bias", bias, w[0], true);
        return add(new Op.Dense(layer, in, next(), weight, bias), new int[] {w[0]});
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
        return new Plan(tensors, ops, input, logits, captures);
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
