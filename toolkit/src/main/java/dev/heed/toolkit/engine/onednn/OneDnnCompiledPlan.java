package dev.heed.toolkit.engine.onednn;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.PlanPasses;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.engine.plan.Weights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;

/**
 * A plan made ready for oneDNN: its weights in native memory (BatchNorm folded into the convolution or inner product
 * before it, where nothing else reads that op's output), each reordered once into every layout a primitive asks for,
 * and the primitives of each batch size built once and cached. Passes run one at a time (one stream), so forward and
 * backward calls are serialised on this object.
 */
final class OneDnnCompiledPlan implements CompiledPlan {
    final Plan plan;
    final OneDnnContext context;
    /** Weights, primitives and descriptors: everything that lives as long as the plan. */
    final NativeOwner owner = new NativeOwner();
    /** A convolution or inner product whose output only a ChannelAffine reads, mapped to that affine (folded in). */
    final Map<Op, Op.ChannelAffine> foldedInto = new IdentityHashMap<>();
    final Set<Op> foldedAffines = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** A convolution (with or without a folded affine) whose output only a ReLU reads, mapped to that ReLU (a post-op). */
    final Map<Op, Op.Activation> fusedRelu = new IdentityHashMap<>();
    final Set<Op> fusedRelus = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Plain (row-major) weight memories per op: {weight, bias} for convolutions and inner products, {scale, shift} for affines. */
    final Map<Op, memory[]> plainWeights = new IdentityHashMap<>();
    /** Weights already reordered into a primitive's layout, per op. */
    private final Map<Op, List<memory>> reordered = new IdentityHashMap<>();
    private final Map<Integer, List<OpKernel>> kernelsByBatch = new HashMap<>();
    private boolean open = true;

    OneDnnCompiledPlan(Plan plan) {
        this.plan = plan;
        this.context = new OneDnnContext();
        try {
            findFolds();
            uploadWeights();
            kernels(1);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void findFolds() {
        int[] readers = new int[plan.tensors().size()];
        Map<Integer, Op> producer = new HashMap<>();
        for (Op op : plan.ops()) {
            for (int in : op.inputs()) {
                readers[in]++;
            }
            producer.put(op.output(), op);
        }
        Set<Integer> pinned = new HashSet<>(plan.captures().values());
        pinned.add(plan.output().id());
        pinned.add(plan.input().id());
        for (Op op : plan.ops()) {
            if (op instanceof Op.ChannelAffine a && readers[a.input()] == 1 && !pinned.contains(a.input())) {
                Op before = producer.get(a.input());
                if ((before instanceof Op.Conv2d || before instanceof Op.Dense) && !foldedInto.containsKey(before)) {
                    foldedInto.put(before, a);
                    foldedAffines.add(a);
                }
            }
        }
        for (Op op : plan.ops()) {
            if (op instanceof Op.Activation r && r.kind() == dev.heed.toolkit.engine.plan.ActivationKind.RELU
                    && readers[r.input()] == 1 && !pinned.contains(r.input())) {
                Op before = producer.get(r.input());
                Op conv = before instanceof Op.ChannelAffine a && foldedAffines.contains(a) ? producer.get(a.input()) : before;
                if (conv instanceof Op.Conv2d && !fusedRelu.containsKey(conv)) {
                    fusedRelu.put(conv, r);
                    fusedRelus.add(r);
                }
            }
        }
    }

    /** The tensor a convolution or inner product writes: its fused ReLU's output, its folded affine's, or its own. */
    int writtenBy(Op op) {
        Op.Activation relu = fusedRelu.get(op);
        if (relu != null) {
            return relu.output();
        }
        Op.ChannelAffine affine = foldedInto.get(op);
        return affine != null ? affine.output() : op.output();
    }

    private void uploadWeights() {
        for (Op op : plan.ops()) {
            if (op instanceof Op.Conv2d c) {
                long[] dims = c.groups() == 1
                        ? new long[] {c.outChannels(), c.inChannelsPerGroup(), c.window().kernelH(), c.window().kernelW()}
                        : new long[] {c.groups(), c.outChannels() / c.groups(), c.inChannelsPerGroup(), c.window().kernelH(), c.window().kernelW()};
                upload(op, c.weight(), c.bias(), c.outChannels(), dims);
            } else if (op instanceof Op.Dense d) {
                upload(op, d.weight(), d.bias(), d.outFeatures(), new long[] {d.outFeatures(), d.inFeatures()});
            } else if (op instanceof Op.ChannelAffine a && !foldedAffines.contains(a)) {
                TensorInfo x = plan.tensor(a.input());
                long[] dims = x.isSpatial() ? new long[] {1, x.channels(), 1, 1} : new long[] {1, x.channels()};
                plainWeights.put(op, new memory[] {constant(a.scale().toArray(), dims), constant(a.shift().toArray(), dims)});
            }
        }
    }

    /**
     * A convolution's or inner product's weights and bias, with a folded affine applied:
     * {@code scale * (w x + b) + shift = (scale w) x + (scale b + shift)}, per output channel.
     */
    private void upload(Op op, Weights weight, Weights bias, int outputs, long[] dims) {
        float[] w = weight.toArray();
        float[] b = bias == null ? null : bias.toArray();
        Op.ChannelAffine affine = foldedInto.get(op);
        if (affine != null) {
            float[] scale = affine.scale().toArray();
            float[] shift = affine.shift().toArray();
            int per = w.length / outputs;
            for (int o = 0; o < outputs; o++) {
                for (int i = 0; i < per; i++) {
                    w[o * per + i] = (float) ((double) w[o * per + i] * scale[o]);
                }
            }
            float[] folded = new float[outputs];
            for (int o = 0; o < outputs; o++) {
                folded[o] = (float) ((b == null ? 0 : (double) b[o] * scale[o]) + shift[o]);
            }
            b = folded;
        }
        plainWeights.put(op, new memory[] {constant(w, dims), b == null ? null : constant(b, outputs)});
    }

    private memory constant(float[] values, long... dims) {
        memory m = context.allocate(owner, OneDnnContext.plain(owner, dims));
        OneDnnContext.write(m, values);
        return m;
    }

    /** {@code plain} in the layout {@code wanted}: itself when it already is, otherwise a copy reordered once and kept. */
    memory weightsIn(Op op, memory plain, memory.desc wanted) {
        memory.desc have = owner.own(plain.get_desc());
        if (have.equals(wanted)) {
            return plain;
        }
        List<memory> copies = reordered.computeIfAbsent(op, k -> new ArrayList<>());
        for (memory copy : copies) {
            memory.desc d = owner.own(copy.get_desc());
            if (d.equals(wanted)) {
                return copy;
            }
        }
        memory copy = context.allocate(owner, wanted);
        OneDnnContext.run("weight reorder of '" + op.layer() + "'", () -> {
            try (reorder r = new reorder(plain, copy)) {
                r.execute(context.stream, plain, copy);
            }
        });
        context.synchronize();
        copies.add(copy);
        return copy;
    }

    private final Map<String, org.bytedeco.dnnl.primitive> shared = new HashMap<>();

    /** A primitive several ops or passes share (a binary add of one shape), built once. */
    synchronized org.bytedeco.dnnl.primitive shared(String key, java.util.function.Supplier<org.bytedeco.dnnl.primitive> build) {
        org.bytedeco.dnnl.primitive p = shared.get(key);
        if (p == null) {
            p = build.get();
            shared.put(key, p);
        }
        return p;
    }

    /** The forward kernels of every op for {@code batch}, built on first use; backward primitives are built lazily. */
    synchronized List<OpKernel> kernels(int batch) {
        List<OpKernel> kernels = kernelsByBatch.get(batch);
        if (kernels == null) {
            kernels = new ArrayList<>();
            for (Op op : plan.ops()) {
                try {
                    kernels.add(OpKernel.build(this, op, batch));
                } catch (OneDnnException e) {
                    throw new UnsupportedLayerException(op.layer(), op.getClass().getSimpleName(),
                            "cannot run on oneDNN (" + e.getMessage() + ")");
                }
            }
            kernelsByBatch.put(batch, kernels);
        }
        return kernels;
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public String executor() {
        return OneDnnExecutor.NAME;
    }

    @Override
    public synchronized PlanPass forward(HostTensor input, String captureLayer) {
        if (!open) {
            throw new IllegalStateException("the compiled plan is closed");
        }
        int target = PlanPasses.target(plan, input, captureLayer);
        return new OneDnnPass(this, input, target, captureLayer != null);
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        kernelsByBatch.clear();
        shared.clear();
        reordered.clear();
        plainWeights.clear();
        owner.close();
        context.close();
    }

    boolean isOpen() {
        return open;
    }
}
