package dev.heed.toolkit.engine.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;

import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.PlanPasses;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.memory;

/**
 * One forward pass on oneDNN: every tensor in native memory, plain row-major (NCHW or NC), owned by this pass and
 * freed by {@link #close()}. A backward pass allocates its gradients in a scope of its own, freed when it returns.
 */
final class OneDnnPass implements PlanPass {
    private final OneDnnCompiledPlan compiled;
    private final Plan plan;
    final int batch;
    private final int target;
    private final boolean captures;
    private final Map<String, Integer> namedCaptures;
    private final List<OpKernel> kernels;
    private final NativeOwner forwardOwner = new NativeOwner();
    /** Where {@link #temp} allocates: the forward owner, or one backward call's. */
    private NativeOwner scope = forwardOwner;
    private final memory[] values;
    /** Per-op state a backward pass needs beyond the tensors: pooling workspaces, intermediate values. */
    final Map<Object, memory> saved = new IdentityHashMap<>();
    private boolean open = true;

    OneDnnPass(OneDnnCompiledPlan compiled, HostTensor input, int target, boolean captures) {
        this(compiled, List.of(input), target, captures, Map.of());
    }

    /** A pass over every input of the plan, in {@code plan.inputs()} order, keeping {@code namedCaptures} readable. */
    OneDnnPass(OneDnnCompiledPlan compiled, List<HostTensor> inputs, int target, boolean captures, Map<String, Integer> namedCaptures) {
        this.compiled = compiled;
        this.plan = compiled.plan;
        this.batch = inputs.get(0).batch();
        this.target = target;
        this.captures = captures;
        this.namedCaptures = Map.copyOf(namedCaptures);
        this.values = new memory[plan.tensors().size()];
        try {
            kernels = compiled.kernels(batch, target);
            for (int i = 0; i < inputs.size(); i++) {
                int id = plan.inputs().get(i).id();
                memory x = context().allocate(forwardOwner, OneDnnContext.plainAny(forwardOwner, dims(id)));
                values[id] = x;
                OneDnnContext.write(x, inputs.get(i).data());
            }
            for (OpKernel kernel : kernels) {
                kernel.forward(this);
            }
            context().synchronize();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    OneDnnContext context() {
        return compiled.context;
    }

    OneDnnCompiledPlan compiled() {
        return compiled;
    }

    /** Dimensions of a tensor with the batch: {@code [n, c, h, w]} or {@code [n, features]}. */
    long[] dims(int tensor) {
        int[] shape = plan.tensor(tensor).shape();
        long[] dims = new long[shape.length + 1];
        dims[0] = batch;
        for (int i = 0; i < shape.length; i++) {
            dims[i + 1] = shape[i];
        }
        return dims;
    }

    memory.desc desc(int tensor) {
        return OneDnnContext.plain(scope, dims(tensor));
    }

    memory value(int tensor) {
        return values[tensor];
    }

    void setValue(int tensor, memory m) {
        values[tensor] = m;
    }

    /** A fresh plain memory for {@code tensor}, set as its value. */
    memory allocate(int tensor) {
        return allocate(tensor, OneDnnContext.plain(forwardOwner, dims(tensor)));
    }

    /** A fresh memory for {@code tensor} in {@code layout} (a convolution's own), set as its value. */
    memory allocate(int tensor, memory.desc layout) {
        memory m = context().allocate(forwardOwner, layout);
        values[tensor] = m;
        return m;
    }

    /** A fresh memory in the current scope (forward values, or one backward call's gradients). */
    memory temp(memory.desc desc) {
        return context().allocate(scope, desc);
    }

    memory tempLike(int tensor) {
        return temp(desc(tensor));
    }

    memory view(memory of, memory.desc desc) {
        return context().view(scope, of, desc);
    }

    NativeOwner scope() {
        return scope;
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("the pass is closed");
        }
        if (!compiled.isOpen()) {
            throw new IllegalStateException("the compiled plan is closed");
        }
    }

    private HostTensor host(int tensor, memory m) {
        int[] shape = PlanPasses.withBatch(plan, tensor, batch);
        return new HostTensor(shape, OneDnnContext.read(m, batch * plan.tensor(tensor).size()));
    }

    @Override
    public HostTensor logits() {
        requireOpen();
        return host(plan.output().id(), values[plan.output().id()]);
    }

    @Override
    public HostTensor captured() {
        requireOpen();
        return captures ? host(target, values[target]) : null;
    }

    @Override
    public HostTensor captured(String layer) {
        requireOpen();
        int id = PlanPasses.captured(namedCaptures, layer);
        return host(id, values[id]);
    }

    @Override
    public Map<String, HostTensor> gateGradients(HostTensor scoreWeights) {
        requireOpen();
        PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
        List<Op.Gate> gates = plan.ops().stream().filter(Op.Gate.class::isInstance).map(Op.Gate.class::cast).toList();
        synchronized (compiled) {
            try (NativeOwner backwardOwner = new NativeOwner()) {
                scope = backwardOwner;
                memory[] gradients = new memory[plan.tensors().size()];
                int out = plan.output().id();
                gradients[out] = tempLike(out);
                OneDnnContext.write(gradients[out], scoreWeights.data());
                Map<Op, OpKernel> byOp = kernelsByOp();
                PlanPasses.walkBackwardToAll(plan, gates.stream().mapToInt(Op.Gate::output).toArray(), t -> gradients[t] != null, (op, s) -> {
                    int source = op.inputs()[s];
                    memory g = byOp.get(op).backward(this, s, gradients[op.output()], false);
                    gradients[source] = gradients[source] == null ? g : sum(source, gradients[source], g);
                });
                context().synchronize();
                // dScore/dgate = dScore/dy * x at a gate of ones, on the host copies (one multiply per gate)
                Map<String, HostTensor> result = new java.util.LinkedHashMap<>();
                for (Op.Gate gate : gates) {
                    int n = batch * plan.tensor(gate.output()).size();
                    float[] product = new float[n];
                    if (gradients[gate.output()] != null) {
                        float[] g = OneDnnContext.read(gradients[gate.output()], n);
                        float[] x = OneDnnContext.read(values[gate.input()], n);
                        for (int i = 0; i < n; i++) {
                            product[i] = g[i] * x[i];
                        }
                    }
                    result.put(gate.layer(), new HostTensor(PlanPasses.withBatch(plan, gate.output(), batch), product));
                }
                return result;
            } finally {
                scope = forwardOwner;
            }
        }
    }

    @Override
    public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
        requireOpen();
        PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
        synchronized (compiled) {
            try (NativeOwner backwardOwner = new NativeOwner()) {
                scope = backwardOwner;
                memory[] gradients = new memory[plan.tensors().size()];
                int out = plan.output().id();
                gradients[out] = tempLike(out);
                OneDnnContext.write(gradients[out], scoreWeights.data());
                boolean guided = relu == ReluGradient.GUIDED;
                Map<Op, OpKernel> byOp = kernelsByOp();
                PlanPasses.walkBackward(plan, target, t -> gradients[t] != null, (op, s) -> {
                    int source = op.inputs()[s];
                    memory g = byOp.get(op).backward(this, s, gradients[op.output()], guided);
                    gradients[source] = gradients[source] == null ? g : sum(source, gradients[source], g);
                });
                if (gradients[target] == null) {
                    throw new IllegalStateException("no gradient reaches tensor " + plan.tensor(target) + " from the logits");
                }
                context().synchronize();
                return host(target, gradients[target]);
            } finally {
                scope = forwardOwner;
            }
        }
    }

    private Map<Op, OpKernel> kernelsByOp() {
        Map<Op, OpKernel> byOp = new IdentityHashMap<>();
        for (int k = 0; k < kernels.size(); k++) {
            byOp.put(plan.ops().get(k), kernels.get(k));
        }
        return byOp;
    }

    /** Where a tensor feeds several ops: a fresh memory holding both gradients' sum (neither input is written). */
    private memory sum(int tensor, memory a, memory b) {
        memory y = tempLike(tensor);
        context().execute("gradient sum of " + plan.tensor(tensor), OpKernel.adder(compiled, dims(tensor)),
                Map.of(DNNL_ARG_SRC_0, a, DNNL_ARG_SRC_1, b, DNNL_ARG_DST, y));
        return y;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        forwardOwner.close();
        java.util.Arrays.fill(values, null);
        saved.clear();
    }
}
