package dev.heed.toolkit.engine.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Plans with some weights re-drawn at random, for the model-randomisation sanity check (Adebayo et al., 2018): the
 * ops that hold a weight matrix or kernel ({@link Op.Dense}, {@link Op.Conv2d}) get He-normal weights,
 * {@code N(0, 2 / fanIn)}, as Heed re-draws a DL4J layer's {@code W}; biases and BatchNorm affines keep their values.
 */
public final class WeightRedraw {
    private WeightRedraw() {
    }

    /** Indices into {@link Plan#ops()} of the ops with weights to re-draw, in forward order. */
    public static List<Integer> weightedOps(Plan plan) {
        List<Integer> found = new ArrayList<>();
        List<Op> ops = plan.ops();
        for (int k = 0; k < ops.size(); k++) {
            if (ops.get(k) instanceof Op.Dense || ops.get(k) instanceof Op.Conv2d) {
                found.add(k);
            }
        }
        return found;
    }

    /**
     * A copy of {@code plan} whose ops at {@code opIndices} carry He-normal weights, each op's drawn from a generator
     * seeded with the matching entry of {@code seeds} and owned by this call; {@code plan} is not modified.
     */
    public static Plan heNormal(Plan plan, int[] opIndices, long[] seeds) {
        if (opIndices.length != seeds.length) {
            throw new IllegalArgumentException(opIndices.length + " ops but " + seeds.length + " seeds");
        }
        List<Op> ops = new ArrayList<>(plan.ops());
        for (int i = 0; i < opIndices.length; i++) {
            Op op = ops.get(opIndices[i]);
            if (op instanceof Op.Dense d) {
                ops.set(opIndices[i], new Op.Dense(d.layer(), d.input(), d.output(), redrawn(d.weight(), seeds[i]), d.bias()));
            } else if (op instanceof Op.Conv2d c) {
                ops.set(opIndices[i], new Op.Conv2d(c.layer(), c.input(), c.output(), c.window(), redrawn(c.weight(), seeds[i]), c.bias(),
                        c.groups()));
            } else {
                throw new IllegalArgumentException("op " + opIndices[i] + " ('" + op.layer() + "', " + op.getClass().getSimpleName()
                        + ") has no weights to re-draw");
            }
        }
        return plan.withOps(ops);
    }

    /** Same shape; fan-in is everything one output sums over: {@code in} for a dense weight, {@code (in / groups) x kh x kw} for a kernel. */
    private static Weights redrawn(Weights weight, long seed) {
        int[] shape = weight.shape();
        long fanIn = Arrays.stream(shape).skip(1).asLongStream().reduce(1, (a, b) -> a * b);
        double sigma = Math.sqrt(2.0 / fanIn);
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[weight.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (sigma * random.nextGaussian());
        }
        return new Weights(values, shape);
    }
}
