package dev.heed.toolkit.engine.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled classifier, independent of who runs it: tensors, ops in topological order, the input, the output (the
 * logits, before any softmax) and named capture points. Immutable; built only by {@link PlanBuilder}, which infers and
 * checks every shape, so an executor may trust them.
 *
 * <p>A capture point maps a source layer's name (as DL4J spells it, or its index in a {@code MultiLayerNetwork} without
 * names) to the tensor holding that layer's output after its activation, which is what {@code ModelPass.captured()}
 * returns and where a backward pass may stop.
 */
public final class Plan {
    private final List<TensorInfo> tensors;
    private final List<Op> ops;
    private final int input;
    private final List<Integer> inputs;
    private final int output;
    private final Map<String, Integer> captures;

    Plan(List<TensorInfo> tensors, List<Op> ops, int input, int output, Map<String, Integer> captures) {
        this(tensors, ops, List.of(input), output, captures);
    }

    Plan(List<TensorInfo> tensors, List<Op> ops, List<Integer> inputs, int output, Map<String, Integer> captures) {
        this.tensors = List.copyOf(tensors);
        this.ops = List.copyOf(ops);
        this.inputs = List.copyOf(inputs);
        this.input = inputs.get(0);
        this.output = output;
        this.captures = Collections.unmodifiableMap(new LinkedHashMap<>(captures));
    }

    /**
     * Every input, the main one first. CNN plans have one; a text encoder's plan also takes token types and the
     * padding mask ({@link PlanBuilder#addInput}).
     */
    public List<TensorInfo> inputs() {
        return inputs.stream().map(tensors::get).toList();
    }

    public List<TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo tensor(int id) {
        return tensors.get(id);
    }

    public List<Op> ops() {
        return ops;
    }

    public TensorInfo input() {
        return tensors.get(input);
    }

    /** The logits, {@code [classes]} (for an encoder without a classifier head, its flattened last hidden state). */
    public TensorInfo output() {
        return tensors.get(output);
    }

    public int numClasses() {
        return output().size();
    }

    /** Layer name to tensor id, in forward order. Several names may share a tensor (a dropout layer, an identity). */
    public Map<String, Integer> captures() {
        return captures;
    }

    /** The tensor a capture point names, with the valid names in the message when it is unknown. */
    public TensorInfo capture(String layer) {
        Integer id = captures.get(layer);
        if (id == null) {
            throw new IllegalArgumentException("unknown layer '" + layer + "'; capture points: " + String.join(", ", captures.keySet()));
        }
        return tensors.get(id);
    }

    /** Capture points with a rank-3 output larger than one pixel, in forward order: the CAM candidates. */
    public List<String> spatialCaptures() {
        List<String> names = new ArrayList<>();
        captures.forEach((name, id) -> {
            TensorInfo t = tensors.get(id);
            if (t.isSpatial() && t.height() * t.width() > 1 && id != output && !transformer()) {
                names.add(name);
            }
        });
        return List.copyOf(names);
    }

    /** Whether the plan holds transformer ops (attention), whose rank-3 tensors are heads, not feature maps. */
    public boolean transformer() {
        return ops.stream().anyMatch(op -> op instanceof Op.MatMul || op instanceof Op.Softmax || op instanceof Op.LayerNorm);
    }

    /** Weight values held by the plan's ops (for describing and for sizing uploads). */
    public long parameterCount() {
        long n = 0;
        for (Op op : ops) {
            if (op instanceof Op.Dense d) {
                n += d.weight().length() + (d.bias() == null ? 0 : d.bias().length());
            } else if (op instanceof Op.Conv2d c) {
                n += c.weight().length() + (c.bias() == null ? 0 : c.bias().length());
            } else if (op instanceof Op.ChannelAffine a) {
                n += a.scale().length() + a.shift().length();
            } else if (op instanceof Op.LayerNorm l) {
                n += l.gain().length() + l.bias().length();
            } else if (op instanceof Op.Gather g) {
                n += g.table().length();
            } else if (op instanceof Op.Constant c) {
                n += c.value().length();
            }
        }
        return n;
    }

    /**
     * The same graph with other ops of the same kinds, inputs, outputs and weight shapes in their places (re-drawn
     * weights, for the sanity checks); the caller guarantees that, {@link WeightRedraw} checks it.
     */
    Plan withOps(List<Op> replaced) {
        return new Plan(tensors, replaced, inputs, output, captures);
    }

    /** One line per op, for logs and tests. */
    public String describe() {
        StringBuilder s = new StringBuilder("input " + input() + "\n");
        for (Op op : ops) {
            s.append(op.getClass().getSimpleName()).append(" '").append(op.layer()).append("' ");
            int[] in = op.inputs();
            for (int k = 0; k < in.length; k++) {
                s.append(k == 0 ? "" : " + ").append(tensors.get(in[k]));
            }
            s.append(" -> ").append(tensors.get(op.output())).append('\n');
        }
        return s.append("logits ").append(output()).toString();
    }
}
