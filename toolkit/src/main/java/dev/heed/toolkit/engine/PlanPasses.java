package dev.heed.toolkit.engine;

import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The bookkeeping every executor's passes share, so that only the maths differs between them: which tensor a pass
 * ends at, argument checks, batch shapes, and the order of the backward walk.
 */
public final class PlanPasses {
    private PlanPasses() {
    }

    /** A matrix product's sizes: {@code count} products (batch times heads) of {@code [m, k] x [k, n]}. */
    public record MatMulSizes(int count, int m, int n, int k) {
        /** The sizes of {@code op} in {@code plan} over a batch of {@code batch} samples. */
        public static MatMulSizes of(Plan plan, Op.MatMul op, int batch) {
            int[] a = plan.tensor(op.a()).shape();
            int[] y = plan.tensor(op.output()).shape();
            int r = a.length;
            int k = op.transposeA() ? a[r - 2] : a[r - 1];
            long products = (long) batch * plan.tensor(op.output()).size() / ((long) y[r - 2] * y[r - 1]);
            return new MatMulSizes(Math.toIntExact(products), y[r - 2], y[r - 1], k);
        }
    }

    /** What a pass captured at {@code layer}, or an IllegalArgumentException naming what it did capture. */
    public static <T> T captured(Map<String, T> byLayer, String layer) {
        T value = byLayer.get(layer);
        if (value == null) {
            throw new IllegalArgumentException("the pass did not capture '" + layer + "'; it captured " + byLayer.keySet());
        }
        return value;
    }

    /**
     * The tensor a pass on {@code input} captures and back-propagates to: {@code captureLayer}'s output, or the input
     * when it is null. Checks the input's shape against the plan's.
     */
    public static int target(Plan plan, HostTensor input, String captureLayer) {
        return target(plan, input.shape(), captureLayer);
    }

    /** {@link #target(Plan, HostTensor, String)} for an input of {@code shape}, batch first, wherever it lives. */
    public static int target(Plan plan, int[] shape, String captureLayer) {
        if (shape.length == 0 || !Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), plan.input().shape())) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " does not match the plan's [n, "
                    + Arrays.toString(plan.input().shape()).replace("[", ""));
        }
        return captureLayer == null ? plan.input().id() : plan.capture(captureLayer).id();
    }

    /** Checks that score weights are {@code [batch, classes]}. */
    public static void checkScoreWeights(Plan plan, int batch, HostTensor scoreWeights) {
        int[] expected = {batch, plan.numClasses()};
        if (!Arrays.equals(scoreWeights.shape(), expected)) {
            throw new IllegalArgumentException("score weights " + Arrays.toString(scoreWeights.shape()) + " do not match the logits "
                    + Arrays.toString(expected));
        }
    }

    /** A tensor's shape with the batch in front. */
    public static int[] withBatch(Plan plan, int tensor, int batch) {
        int[] sample = plan.tensor(tensor).shape();
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

    /** What a backward walk does at each step: propagate the gradient of {@code op}'s output to its input {@code source}. */
    public interface Step {
        void propagate(Op op, int source);
    }

    /**
     * Walks the ops backwards from the logits to {@code target}, calling {@code step} for every input of an op that has
     * a gradient ({@code hasGradient} of its output) and that depends on the target. Only tensors computed from the
     * target carry a gradient toward it; every other value is a constant here, and nothing goes past the target.
     */
    public static void walkBackward(Plan plan, int target, IntPredicate hasGradient, Step step) {
        List<Op> ops = plan.ops();
        boolean[] dependsOnTarget = new boolean[plan.tensors().size()];
        dependsOnTarget[target] = true;
        for (Op op : ops) {
            for (int in : op.inputs()) {
                dependsOnTarget[op.output()] |= dependsOnTarget[in];
            }
        }
        for (int k = ops.size() - 1; k >= 0; k--) {
            Op op = ops.get(k);
            if (!hasGradient.test(op.output()) || !dependsOnTarget[op.output()] || op.output() == target) {
                continue;
            }
            int[] inputs = op.inputs();
            for (int s = 0; s < inputs.length; s++) {
                if (dependsOnTarget[inputs[s]]) {
                    step.propagate(op, s);
                }
            }
        }
    }

    /**
     * Checks a multi-input pass's inputs against {@code plan.inputs()}: the count, each sample shape, one batch size.
     * Returns the batch.
     */
    public static int checkInputs(Plan plan, List<HostTensor> inputs) {
        List<dev.heed.toolkit.engine.plan.TensorInfo> expected = plan.inputs();
        if (inputs.size() != expected.size()) {
            throw new IllegalArgumentException("the plan takes " + expected.size() + " inputs, got " + inputs.size());
        }
        int batch = inputs.get(0).batch();
        for (int i = 0; i < inputs.size(); i++) {
            HostTensor in = inputs.get(i);
            if (!Arrays.equals(in.sampleShape(), expected.get(i).shape()) || in.batch() != batch) {
                throw new IllegalArgumentException("input " + i + " (" + expected.get(i).producer() + ") has shape "
                        + Arrays.toString(in.shape()) + ", expected [" + batch + ", "
                        + Arrays.toString(expected.get(i).shape()).replace("[", ""));
            }
        }
        return batch;
    }

    /**
     * Walks the ops backwards from the logits towards every tensor in {@code seeds} (the gates' outputs), calling
     * {@code step} for every input of an op that has a gradient and depends on a seed. Unlike {@link #walkBackward} it
     * goes on through a seed to earlier seeds; each seed's gradient is complete once the walk is done.
     */
    public static void walkBackwardToAll(Plan plan, int[] seeds, IntPredicate hasGradient, Step step) {
        List<Op> ops = plan.ops();
        boolean[] dependsOnSeed = new boolean[plan.tensors().size()];
        for (int s : seeds) {
            dependsOnSeed[s] = true;
        }
        for (Op op : ops) {
            for (int in : op.inputs()) {
                dependsOnSeed[op.output()] |= dependsOnSeed[in];
            }
        }
        for (int k = ops.size() - 1; k >= 0; k--) {
            Op op = ops.get(k);
            if (!hasGradient.test(op.output()) || !dependsOnSeed[op.output()]) {
                continue;
            }
            int[] inputs = op.inputs();
            for (int s = 0; s < inputs.length; s++) {
                if (dependsOnSeed[inputs[s]]) {
                    step.propagate(op, s);
                }
            }
        }
    }
}
