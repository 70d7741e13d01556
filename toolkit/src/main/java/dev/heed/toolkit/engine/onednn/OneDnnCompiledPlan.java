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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;

/**
 * A plan made ready for oneDNN: its weights in native memory (as given, and with a BatchNorm folded in where a
 * {@link Fusion} asks), each reordered once into every layout a primitive asks for, and the primitives of each batch
 * size and pass target built once and cached. Passes run one at a time (one stream), so forward and backward calls are
 * serialised on this object.
 */
final class OneDnnCompiledPlan implements CompiledPlan {
    final Plan plan;
    final OneDnnContext context;
    /** Weights, primitives and descriptors: everything that lives as long as the plan. */
    final NativeOwner owner = new NativeOwner();
    /** Plain (row-major) weight memories per op: {weight, bias} for convolutions and inner products, {scale, shift} for affines. */
    private final Map<Op, memory[]> plainWeights = new IdentityHashMap<>();
    /** The same for convolutions and inner products with their affine folded in. */
    private final Map<Op, memory[]> foldedWeights = new IdentityHashMap<>();
    /** Weights already reordered into a primitive's layout, per plain weight memory. */
    private final Map<memory, List<memory>> reordered = new IdentityHashMap<>();
    private final Map<Integer, Fusion> fusionByTarget = new HashMap<>();
    /** Kernels per batch size and target tensor ({@code "batch:target"}). */
    private final Map<String, List<OpKernel>> kernelsByShape = new HashMap<>();
    private boolean open = true;

    OneDnnCompiledPlan(Plan plan) {
        this.plan = plan;
        this.context = new OneDnnContext();
        try {
            kernels(1, plan.input().id());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * A convolution's or inner product's plain weights and bias ({@code [weight, bias or null]}), with {@code affine}
     * folded in when it is not null: {@code scale * (w x + b) + shift = (scale w) x + (scale b + shift)} per output
     * channel. Uploaded once per op and fold.
     */
    synchronized memory[] weights(Op op, Op.ChannelAffine affine) {
        return (affine == null ? plainWeights : foldedWeights).computeIfAbsent(op, k -> {
            if (op instanceof Op.Conv2d c) {
                long[] dims = c.groups() == 1
                        ? new long[] {c.outChannels(), c.inChannelsPerGroup(), c.window().kernelH(), c.window().kernelW()}
                        : new long[] {c.groups(), c.outChannels() / c.groups(), c.inChannelsPerGroup(), c.window().kernelH(), c.window().kernelW()};
                return upload(c.weight(), c.bias(), c.outChannels(), dims, affine);
            }
            Op.Dense d = (Op.Dense) op;
            return upload(d.weight(), d.bias(), d.outFeatures(), new long[] {d.outFeatures(), d.inFeatures()}, affine);
        });
    }

    /** An unfolded affine's {@code [scale, shift]}, shaped to broadcast over its input. */
    synchronized memory[] affineWeights(Op.ChannelAffine a) {
        return plainWeights.computeIfAbsent(a, k -> {
            TensorInfo x = plan.tensor(a.input());
            long[] dims = x.isSpatial() ? new long[] {1, x.channels(), 1, 1} : new long[] {1, x.channels()};
            return new memory[] {constant(a.scale().toArray(), dims), constant(a.shift().toArray(), dims)};
        });
    }

    private memory[] upload(Weights weight, Weights bias, int outputs, long[] dims, Op.ChannelAffine affine) {
        float[] w = weight.toArray();
        float[] b = bias == null ? null : bias.toArray();
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
        return new memory[] {constant(w, dims), b == null ? null : constant(b, outputs)};
    }

    private memory constant(float[] values, long... dims) {
        memory m = context.allocate(owner, OneDnnContext.plain(owner, dims));
        OneDnnContext.write(m, values);
        return m;
    }

    /** {@code plain} in the layout {@code wanted}: itself when it already is, otherwise a copy reordered once and kept. */
    synchronized memory weightsIn(Op op, memory plain, memory.desc wanted) {
        memory.desc have = owner.own(plain.get_desc());
        if (have.equals(wanted)) {
            return plain;
        }
        List<memory> copies = reordered.computeIfAbsent(plain, k -> new ArrayList<>());
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

    /** Which ops a pass to {@code target} fuses, decided once per target. */
    synchronized Fusion fusion(int target) {
        return fusionByTarget.computeIfAbsent(target, t -> new Fusion(plan, t));
    }

    /**
     * The forward kernels of every op for a pass of {@code batch} images to {@code target}, built on first use; backward
     * primitives are built lazily.
     */
    synchronized List<OpKernel> kernels(int batch, int target) {
        String key = batch + ":" + target;
        List<OpKernel> kernels = kernelsByShape.get(key);
        if (kernels == null) {
            Fusion fusion = fusion(target);
            // The layout each tensor is kept in, where a convolution chose it (null: plain), filled in op order.
            memory.desc[] layouts = new memory.desc[plan.tensors().size()];
            kernels = new ArrayList<>();
            for (Op op : plan.ops()) {
                try {
                    kernels.add(OpKernel.build(this, fusion, layouts, op, batch));
                } catch (OneDnnException e) {
                    throw new UnsupportedLayerException(op.layer(), op.getClass().getSimpleName(),
                            "cannot run on oneDNN (" + e.getMessage() + ")");
                }
            }
            kernelsByShape.put(key, kernels);
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
    public synchronized PlanPass forward(List<HostTensor> inputs, java.util.Collection<String> captureLayers) {
        if (!open) {
            throw new IllegalStateException("the compiled plan is closed");
        }
        PlanPasses.checkInputs(plan, inputs);
        Map<String, Integer> captured = new java.util.LinkedHashMap<>();
        for (String layer : captureLayers) {
            captured.put(layer, plan.capture(layer).id());
        }
        return new OneDnnPass(this, inputs, plan.input().id(), false, captured);
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        kernelsByShape.clear();
        foldedWeights.clear();
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
