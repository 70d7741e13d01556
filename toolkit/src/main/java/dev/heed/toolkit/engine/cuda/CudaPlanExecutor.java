package dev.heed.toolkit.engine.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.CudaException;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.EngineKernels;
import dev.heed.kernels.EngineKernels.Activation;
import dev.heed.kernels.EngineKernels.GlobalPooling;
import dev.heed.kernels.EngineKernels.Pooling;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.backend.cuda.CudaArrayScope;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.PlanPasses;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a {@link Plan} on Heed's own CUDA kernels ({@code engine.cu} through {@link EngineKernels}): weights are
 * uploaded once per compiled plan, every activation and gradient of a pass lives in device buffers owned by the pass,
 * and only the input goes up and only what is asked for (logits, the captured layer, the gradient) comes down.
 *
 * <p>It runs one kernel per op, in plan order, in exact FP32 (or TF32 for the GEMM-shaped kernels), except that a
 * convolution (grouped and depthwise ones too) takes the BatchNorm and the activation after it into its epilogue
 * wherever the pass needs neither tensor in between; hard swish, whose derivative needs its input, is never taken in.
 * It is checked against {@code CpuReferenceExecutor} on the emulated driver in every build.
 *
 * <p>Transformer plans (the ViT, MiniLM) run too, with several inputs and capture points and the gates' gradients:
 * per-head products as strided batched GEMMs (always FP32), layer norm keeping its row statistics, the masked softmax
 * with the padding mask as an additive -inf bias, exact GELU, and transposes, slices and constants as one strided
 * copy. Token ids and masks must be plan inputs: they are turned into int32 ids and the bias on the host as they go up.
 */
public final class CudaPlanExecutor implements PlanExecutor {
    public static final String NAME = "cuda";

    private final CudaDevice device;
    private final EngineKernels.Precision precision;
    /** Device bytes one pass may take, or 0 for half the free memory when the pass starts. */
    private final long passBudget;
    /**
     * Rows a pass should hold to fill the GPU: where a ResNet-50 at 224x224 stops gaining throughput on an A100 or H100
     * class GPU (batch 256, the benchmark size); a pass over more rows than memory allows splits anyway.
     */
    static final int PREFERRED_PASS_ROWS = 256;
    private final int passRows;

    /** Runs on {@code device} in exact FP32; the caller owns the device and closes it after every compiled plan made here. */
    public CudaPlanExecutor(CudaDevice device) {
        this(device, EngineKernels.Precision.FP32);
    }

    /**
     * Runs dense layers and convolutions (forward and input gradient) in {@code precision}: TF32 uses the tensor cores
     * of sm_80 and newer (refused below), with operands rounded to a 10-bit mantissa.
     */
    public CudaPlanExecutor(CudaDevice device, EngineKernels.Precision precision) {
        this(device, precision, 0, PREFERRED_PASS_ROWS);
    }

    private CudaPlanExecutor(CudaDevice device, EngineKernels.Precision precision, long passBudget, int passRows) {
        EngineKernels.requireSupported(device, precision);
        this.device = device;
        this.precision = precision;
        this.passBudget = passBudget;
        this.passRows = passRows;
    }

    /**
     * The same executor with at most {@code bytes} of device memory per pass, for a GPU shared with other work; a batch
     * whose tensors do not fit runs in parts (see {@code SplitPass}). By default a pass may take half the device's free
     * memory when it starts.
     */
    public CudaPlanExecutor withPassBudget(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("a pass budget must be positive, got " + bytes + " bytes");
        }
        return new CudaPlanExecutor(device, precision, bytes, passRows);
    }

    /**
     * The same executor, telling methods that stack many passes' rows (Integrated Gradients' path steps) to put about
     * {@code rows} into each pass; {@value #PREFERRED_PASS_ROWS} by default.
     */
    public CudaPlanExecutor withPreferredPassRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("a pass holds at least one row, got " + rows);
        }
        return new CudaPlanExecutor(device, precision, passBudget, rows);
    }

    @Override
    public String name() {
        return precision == EngineKernels.Precision.FP32 ? NAME : NAME + "-" + precision.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Uploads the plan's weights. Throws {@link UnsupportedLayerException} for an op this executor cannot run (dilated
     * pooling; a gather whose ids, or a softmax whose mask, is computed rather than one of the plan's inputs), before
     * anything is allocated.
     */
    @Override
    public CompiledPlan compile(Plan plan) {
        requireRunnable(plan);
        return new Compiled(plan);
    }

    /**
     * Throws {@link UnsupportedLayerException} for the first op of {@code plan} this executor cannot run, touching no
     * device: for callers that compile later (one plan per padded text length) but must choose an engine now.
     */
    public static void requireRunnable(Plan plan) {
        java.util.Set<Integer> inputs = new java.util.HashSet<>();
        plan.inputs().forEach(t -> inputs.add(t.id()));
        for (Op op : plan.ops()) {
            if (op instanceof Op.Pool2d p && (p.window().dilationH() != 1 || p.window().dilationW() != 1)) {
                throw new UnsupportedLayerException(p.layer(), "Pool2d", "uses dilated pooling, which Heed's CUDA engine does not run");
            }
            // token ids and padding masks become int32 ids and an additive -inf bias on the host, while they are uploaded;
            // nothing on the device turns a computed tensor into either
            if (op instanceof Op.Gather g && !inputs.contains(g.ids())) {
                throw new UnsupportedLayerException(g.layer(), "Gather", "takes computed ids, which Heed's CUDA engine does not run");
            }
            if (op instanceof Op.Softmax sm && sm.masked() && !inputs.contains(sm.mask())) {
                throw new UnsupportedLayerException(sm.layer(), "Softmax", "takes a computed mask, which Heed's CUDA engine does not run");
            }
        }
    }

    /** The plan with its weights on the device. */
    private final class Compiled implements CompiledPlan {

        private final Plan plan;
        private final EngineKernels kernels = new EngineKernels(device, precision);
        private final Map<Op, DeviceBuffer[]> weights = new IdentityHashMap<>();
        /** For each tensor, the ops that read it: a tensor with one reader may live only inside a fused kernel. */
        private final List<List<Op>> readers = new ArrayList<>();
        /**
         * For a convolution whose one reader is a BatchNorm: {@code bias * scale + shift}, the shift of the two fused
         * (the BatchNorm's scale is the fused scale), uploaded once.
         */
        private final Map<Op, DeviceBuffer> fusedShifts = new IdentityHashMap<>();
        private final List<DeviceBuffer> owned = new ArrayList<>();
        private boolean open = true;

        Compiled(Plan plan) {
            this.plan = plan;
            for (int t = 0; t < plan.tensors().size(); t++) {
                readers.add(new ArrayList<>());
            }
            for (Op op : plan.ops()) {
                for (int in : op.inputs()) {
                    readers.get(in).add(op);
                }
            }
            try {
                for (Op op : plan.ops()) {
                    if (op instanceof Op.Conv2d c && soleReader(c.output()) instanceof Op.ChannelAffine a) {
                        float[] scale = a.scale().toArray();
                        float[] shift = a.shift().toArray();
                        if (c.bias() != null) {
                            for (int k = 0; k < shift.length; k++) {
                                shift[k] += c.bias().get(k) * scale[k];
                            }
                        }
                        DeviceBuffer b = device.allocate((long) shift.length * Float.BYTES, "upload fused shift");
                        owned.add(b);
                        fusedShifts.put(op, b.upload(shift));
                    }
                    if (op instanceof Op.Dense d) {
                        weights.put(op, new DeviceBuffer[] {upload(d.weight()), upload(d.bias())});
                    } else if (op instanceof Op.Conv2d c) {
                        weights.put(op, new DeviceBuffer[] {upload(c.weight()), upload(c.bias())});
                    } else if (op instanceof Op.ChannelAffine a) {
                        weights.put(op, new DeviceBuffer[] {upload(a.scale()), upload(a.shift())});
                    } else if (op instanceof Op.LayerNorm l) {
                        weights.put(op, new DeviceBuffer[] {upload(l.gain()), upload(l.bias())});
                    } else if (op instanceof Op.Gather g) {
                        weights.put(op, new DeviceBuffer[] {upload(g.table())});
                    } else if (op instanceof Op.Constant c) {
                        weights.put(op, new DeviceBuffer[] {upload(c.value())});
                    }
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** The one op that reads {@code tensor}, or null when none or several do (or it is the plan's output). */
        Op soleReader(int tensor) {
            List<Op> r = readers.get(tensor);
            return r.size() == 1 && tensor != plan.output().id() ? r.get(0) : null;
        }

        private DeviceBuffer upload(Weights w) {
            if (w == null) {
                return null;
            }
            DeviceBuffer b = device.allocate((long) w.length() * Float.BYTES, "upload weights");
            owned.add(b);
            return b.upload(w.toArray());
        }

        /** The executor's rows per pass, or fewer where the pass budget holds fewer (a smaller GPU, a larger model). */
        @Override
        public int preferredPassRows() {
            return open ? imagesPerPass(passRows) : passRows;
        }

        @Override
        public Plan plan() {
            return plan;
        }

        @Override
        public String executor() {
            return name();
        }

        @Override
        public PlanPass forward(HostTensor input, String captureLayer) {
            if (!open) {
                throw new IllegalStateException("the compiled plan is closed");
            }
            int target = PlanPasses.target(plan, input, captureLayer);
            boolean captures = captureLayer != null;
            return forwardInChunks(List.of(input), part -> run(part.get(0), target, captures), captures, List.of(),
                    imagesPerPass(input.batch()));
        }

        /**
         * A resident input of the CUDA backend's scope on this GPU is copied into the pass on the device, when the
         * whole batch fits one pass; otherwise (another scope, or a batch that must run in parts) it comes down and
         * takes the host path.
         */
        @Override
        public PlanPass forward(ResidentArray input, String captureLayer) {
            if (!open) {
                throw new IllegalStateException("the compiled plan is closed");
            }
            int[] shape = input.shape();
            // token ids and masks are converted on the host as they go up, so plans that read them take the host path
            boolean hostInputsOnly = plan.inputs().size() != 1
                    || plan.ops().stream().anyMatch(op -> op instanceof Op.Gather || op instanceof Op.Softmax sm && sm.masked());
            if (!(input.scope() instanceof CudaArrayScope scope && scope.reaches(device) && scope.holds(input)) || hostInputsOnly
                    || imagesPerPass(shape[0]) < shape[0]) {
                return CompiledPlan.super.forward(input, captureLayer);
            }
            int target = PlanPasses.target(plan, shape, captureLayer);
            Pass pass = new Pass(this, device, shape[0], target, captureLayer != null, Map.of());
            try {
                pass.run(buffer -> scope.copyTo(input, buffer));
            } catch (CudaException e) {
                pass.close();
                if (!e.outOfMemory()) {
                    throw e;
                }
                // the estimate said it fits and the device disagreed: the host path splits the batch until it does
                return CompiledPlan.super.forward(input, captureLayer);
            } catch (RuntimeException e) {
                pass.close();
                throw e;
            }
            return pass;
        }

        /**
         * As many images per pass as the budget holds (half the free device memory, leaving room for the backward
         * pass, unless the executor was given one).
         */
        private int imagesPerPass(int batch) {
            long budget = passBudget > 0 ? passBudget : device.memory()[0] / 2;
            return (int) Math.max(1, Math.min(batch, budget / Math.max(1, bytesPerImage())));
        }

        /**
         * The whole batch in one pass when {@code chunk} covers it, else in parts of {@code chunk} rows; should the
         * device still run out of memory, halves the parts until one image does not fit.
         */
        private PlanPass forwardInChunks(List<HostTensor> inputs, Function<List<HostTensor>, PlanPass> pass,
                                         boolean captures, Collection<String> named, int chunk) {
            int batch = inputs.get(0).batch();
            try {
                if (chunk >= batch) {
                    return pass.apply(inputs);
                }
                List<List<HostTensor>> parts = new ArrayList<>();
                for (int from = 0; from < batch; from += chunk) {
                    parts.add(SplitPass.rows(inputs, from, Math.min(batch, from + chunk)));
                }
                return new SplitPass(parts, pass, captures, named);
            } catch (CudaException e) {
                if (!e.outOfMemory() || chunk == 1) {
                    throw e;
                }
                return forwardInChunks(inputs, pass, captures, named, Math.min(chunk, batch) / 2);
            }
        }

        /** One pass on the device over the whole of {@code input}, freed again if it fails. */
        private Pass run(HostTensor input, int target, boolean captures) {
            PlanPasses.checkInputs(plan, List.of(input));
            return run(new Pass(this, device, input.batch(), target, captures, Map.of()), List.of(input));
        }

        private Pass run(Pass pass, List<HostTensor> inputs) {
            try {
                pass.run(inputs);
            } catch (RuntimeException e) {
                pass.close();
                throw e;
            }
            return pass;
        }

        /**
         * A transformer's pass: every input (token ids, token types, the padding mask) goes up once, and the named
         * captures and the gate gradients come down on request. A batch the budget cannot hold runs in parts, as the
         * single-input pass does.
         */
        @Override
        public PlanPass forward(List<HostTensor> inputs, java.util.Collection<String> captureLayers) {
            if (!open) {
                throw new IllegalStateException("the compiled plan is closed");
            }
            int batch = PlanPasses.checkInputs(plan, inputs);
            Map<String, Integer> captured = new java.util.LinkedHashMap<>();
            for (String layer : captureLayers) {
                captured.put(layer, plan.capture(layer).id());
            }
            List<String> named = List.copyOf(captured.keySet());
            return forwardInChunks(inputs, part -> run(new Pass(this, device, part.get(0).batch(), plan.input().id(), false, captured), part),
                    false, named, imagesPerPass(batch));
        }

        /** Device bytes one image's forward pass holds at most: every tensor of the plan, and max pooling's choices. */
        private long bytesPerImage() {
            long floats = 0;
            for (TensorInfo t : plan.tensors()) {
                floats += t.size();
            }
            for (Op op : plan.ops()) {
                if (op instanceof Op.Pool2d || op instanceof Op.GlobalPool) {
                    floats += plan.tensor(op.output()).size();
                }
            }
            return floats * Float.BYTES;
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            weights.clear();
            for (DeviceBuffer b : owned) {
                b.close();
            }
            owned.clear();
        }
    }

    /** One forward pass: a device buffer per tensor (a reshape shares its source's), kept for the backward pass. */
    private static final class Pass implements PlanPass {
        private final Compiled compiled;
        private final Plan plan;
        private final EngineKernels kernels;
        private final CudaDevice device;
        private final int batch;
        private final int target;
        private final boolean captures;
        private final Map<String, Integer> namedCaptures;
        private final DeviceBuffer[] values;
        /**
         * What an op keeps beside its tensors: max pooling's choice per window (to route gradients back to the same
         * pixel), a layer norm's per-row mean and 1/sigma, a gather's int32 ids, a masked softmax's additive bias.
         */
        private final Map<Op, DeviceBuffer> kept = new IdentityHashMap<>();
        /** The pass's inputs by tensor id, while the forward pass runs: ids and masks are converted from them. */
        private final Map<Integer, float[]> hostInputs = new java.util.HashMap<>();
        private final List<DeviceBuffer> owned = new ArrayList<>();
        private boolean open = true;

        Pass(Compiled compiled, CudaDevice device, int batch, int target, boolean captures, Map<String, Integer> namedCaptures) {
            this.compiled = compiled;
            this.plan = compiled.plan;
            this.kernels = compiled.kernels;
            this.device = device;
            this.batch = batch;
            this.target = target;
            this.captures = captures;
            this.namedCaptures = Map.copyOf(namedCaptures);
            this.values = new DeviceBuffer[plan.tensors().size()];
        }

        private DeviceBuffer allocate(long floats, String what) {
            DeviceBuffer b = device.allocate(floats * Float.BYTES, what);
            owned.add(b);
            return b;
        }

        private long elements(int tensor) {
            return (long) batch * plan.tensor(tensor).size();
        }

        /** Whether the pass hands {@code tensor} out, so that no fused kernel may skip it. */
        private boolean handedOut(int tensor) {
            return tensor == target || namedCaptures.containsValue(tensor);
        }

        /** Runs the ops on an input that {@code fill} writes into its device buffer (a device-to-device copy). */
        void run(java.util.function.Consumer<DeviceBuffer> fill) {
            int id = plan.input().id();
            values[id] = allocate(elements(id), plan.tensor(id).producer());
            fill.accept(values[id]);
            runOps();
        }

        void run(List<HostTensor> inputs) {
            for (int i = 0; i < inputs.size(); i++) {
                float[] data = inputs.get(i).data();
                int id = plan.inputs().get(i).id();
                values[id] = allocate(data.length, plan.tensor(id).producer()).upload(data);
                hostInputs.put(id, data);
            }
            try {
                runOps();
            } finally {
                hostInputs.clear();
            }
        }

        private void runOps() {
            java.util.Set<Op> fusedAway = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Op op : plan.ops()) {
                if (fusedAway.contains(op)) {
                    continue;
                }
                if (op instanceof Op.Reshape r) {
                    values[r.output()] = values[r.input()];
                } else if (op instanceof Op.Gate g) {
                    // a gate of ones: its output is its input; only its gradient differs (gateGradients)
                    values[g.output()] = values[g.input()];
                } else if (op instanceof Op.Conv2d c) {
                    convolve(c, fusedAway);
                } else {
                    values[op.output()] = allocate(elements(op.output()), op.layer());
                    forward(op);
                }
            }
        }

        /**
         * A convolution, with the BatchNorm and the activation that follow it in its epilogue where nothing else needs
         * the tensors in between: each must be the one reader of the tensor before it, and neither in-between tensor
         * the pass's target. The in-between tensors then never exist; their ops' backward passes need none of them
         * (a BatchNorm's needs its scale, an activation's its output, which is the fused kernel's output). Hard swish,
         * whose derivative needs its input, is never fused, so that its input exists for the backward pass.
         */
        private void convolve(Op.Conv2d c, java.util.Set<Op> fusedAway) {
            DeviceBuffer[] w = compiled.weights.get(c);
            int out = c.output();
            DeviceBuffer scale = null;
            DeviceBuffer shift = w[1];
            Activation activation = Activation.IDENTITY;
            float slope = 0;
            float beta = 0;
            if (!handedOut(out) && compiled.fusedShifts.containsKey(c)) {
                Op.ChannelAffine bn = (Op.ChannelAffine) compiled.soleReader(out);
                scale = compiled.weights.get(bn)[0];
                shift = compiled.fusedShifts.get(c);
                fusedAway.add(bn);
                out = bn.output();
            }
            if (!handedOut(out) && compiled.soleReader(out) instanceof Op.Activation a && a.kind().gradientFromOutput()) {
                activation = activation(a.kind());
                slope = (float) a.alpha();
                beta = (float) a.beta();
                fusedAway.add(a);
                out = a.output();
            }
            values[out] = allocate(elements(out), c.layer());
            kernels.conv2dForward(conv(c), values[c.input()], w[0], values[out], scale, shift, activation, slope, beta);
        }

        private void forward(Op op) {
            DeviceBuffer[] w = compiled.weights.get(op);
            DeviceBuffer y = values[op.output()];
            if (op instanceof Op.Dense d) {
                // y[r][out] = x[r][in] W^T + b, W stored [out][in]: B(k = in, n = out) = W[out * in + k]; rows are samples, or
                // every sample's tokens
                kernels.gemm(values[d.input()], d.inFeatures(), 1, w[0], 1, d.inFeatures(), y, rows(d), d.outFeatures(), d.inFeatures(), w[1],
                        false, Activation.IDENTITY, 0, false);
            } else if (op instanceof Op.Activation a && a.kind() == ActivationKind.GELU) {
                kernels.gelu(values[a.input()], y, elements(a.input()));
            } else if (op instanceof Op.ChannelAffine a) {
                TensorInfo x = plan.tensor(a.input());
                kernels.channelAffine(values[a.input()], y, elements(a.input()), x.channels(), x.height() * x.width(), w[0], w[1],
                        Activation.IDENTITY, 0);
            } else if (op instanceof Op.Activation a) {
                kernels.channelAffine(values[a.input()], y, elements(a.input()), 1, plan.tensor(a.input()).size(), null, null, activation(a.kind()),
                        (float) a.alpha(), (float) a.beta());
            } else if (op instanceof Op.Pool2d p) {
                DeviceBuffer choice = null;
                if (p.kind() == PoolKind.MAX) {
                    choice = allocate(elements(p.output()), p.layer() + " argmax");
                    kept.put(op, choice);
                }
                kernels.pool2dForward(pool(p), pooling(p), values[p.input()], y, choice);
            } else if (op instanceof Op.GlobalPool g) {
                TensorInfo x = plan.tensor(g.input());
                DeviceBuffer choice = null;
                if (g.kind() == PoolKind.MAX) {
                    choice = allocate((long) batch * x.channels(), g.layer() + " argmax");
                    kept.put(op, choice);
                }
                kernels.globalPoolForward(values[g.input()], y, choice, batch * x.channels(), x.height() * x.width(), globalPooling(g.kind()));
            } else if (op instanceof Op.ZeroPad z) {
                TensorInfo x = plan.tensor(z.input());
                TensorInfo out = plan.tensor(z.output());
                kernels.pad2d(values[z.input()], y, (long) batch * x.channels(), x.height(), x.width(), out.height(), out.width(),
                        z.padding().top(), z.padding().left());
            } else if (op instanceof Op.Add a) {
                int[] sources = a.sources();
                kernels.add(values[sources[0]], values[sources[1]], y, elements(a.output()));
                for (int k = 2; k < sources.length; k++) {
                    kernels.add(y, values[sources[k]], y, elements(a.output()));
                }
            } else if (op instanceof Op.Multiply m) {
                kernels.multiply(values[m.a()], values[m.b()], y, elements(m.a()), repeat(m), false);
            } else if (op instanceof Op.Concat c) {
                TensorInfo out = plan.tensor(c.output());
                int plane = out.height() * out.width();
                int offset = 0;
                for (int source : c.sources()) {
                    int channels = plan.tensor(source).size() / plane;
                    kernels.copyChannels(values[source], channels, 0, y, out.size() / plane, offset, batch, channels, plane, false);
                    offset += channels;
                }
            } else {
                transformerForward(op, w, y);
            }
        }

        /** The transformer ops' forward kernels. */
        private void transformerForward(Op op, DeviceBuffer[] w, DeviceBuffer y) {
            if (op instanceof Op.Constant c) {
                // the same value for every sample: a stride of 0 along the batch
                kernels.stridedCopy(w[0], 0, new int[] {batch, c.value().length()}, new long[] {0, 1}, y, false);
            } else if (op instanceof Op.Gather g) {
                int[] table = g.table().shape();
                DeviceBuffer ids = allocate(elements(g.ids()), g.layer() + " ids").upload(ids(g, hostInputs.get(g.ids()), table[0]));
                kept.put(op, ids);
                kernels.embeddingGather(ids, w[0], y, elements(g.ids()), table[1], table[0], false);
            } else if (op instanceof Op.MatMul m) {
                PlanPasses.MatMulSizes p = PlanPasses.MatMulSizes.of(plan, m, batch);
                kernels.gemmBatched(values[m.a()], matrix(m.transposeA(), p.m(), p.k()), values[m.b()], matrix(m.transposeB(), p.k(), p.n()), y, p.n(),
                        (long) p.m() * p.n(), 0, p.count(), 1, p.m(), p.n(), p.k(), m.scale());
            } else if (op instanceof Op.LayerNorm l) {
                int cols = plan.tensor(l.input()).lastDim();
                int rows = Math.toIntExact(elements(l.input()) / cols);
                DeviceBuffer stats = allocate(2L * rows, l.layer() + " statistics");
                kept.put(op, stats);
                kernels.layerNorm(values[l.input()], y, stats, rows, cols, w[0], w[1], (float) l.eps());
            } else if (op instanceof Op.Softmax s) {
                TensorInfo x = plan.tensor(s.input());
                int cols = x.lastDim();
                int rowsPerSample = x.size() / cols;
                DeviceBuffer bias = null;
                if (s.masked()) {
                    bias = allocate((long) batch * cols, s.layer() + " mask").upload(maskBias(hostInputs.get(s.mask())));
                    kept.put(op, bias);
                }
                kernels.softmaxRows(values[s.input()], y, batch * rowsPerSample, cols, bias, rowsPerSample);
            } else if (op instanceof Op.Transpose t) {
                permute(values[t.input()], plan.tensor(t.input()).shape(), t.permutation(), y, false);
            } else if (op instanceof Op.Slice s) {
                TensorInfo x = plan.tensor(s.input());
                int rowSize = x.size() / x.shape()[0];
                kernels.stridedCopy(values[s.input()], (long) s.start() * rowSize, new int[] {batch, s.length() * rowSize},
                        new long[] {x.size(), 1}, y, false);
            } else {
                throw new IllegalStateException("no CUDA kernel for " + op);
            }
        }

        /** Permutes each sample's axes of {@code x} (per-sample {@code shape}) into {@code y}: output axis i is input axis perm[i]. */
        private void permute(DeviceBuffer x, int[] shape, int[] perm, DeviceBuffer y, boolean accumulate) {
            int rank = shape.length;
            long[] inputStrides = new long[rank];
            long stride = 1;
            for (int i = rank - 1; i >= 0; i--) {
                inputStrides[i] = stride;
                stride *= shape[i];
            }
            int[] outShape = new int[rank + 1];
            long[] strides = new long[rank + 1];
            outShape[0] = batch;
            strides[0] = stride;
            for (int i = 0; i < rank; i++) {
                outShape[i + 1] = shape[perm[i]];
                strides[i + 1] = inputStrides[perm[i]];
            }
            kernels.stridedCopy(x, 0, outShape, strides, y, accumulate);
        }

        /**
         * The batched GEMM's strides (row, column, next matrix, inner) of a logical {@code [rows][cols]} matrix, one per
         * product, stored row-major as {@code [rows][cols]}, or as {@code [cols][rows]} when {@code transposed}.
         */
        private static long[] matrix(boolean transposed, int rows, int cols) {
            long size = (long) rows * cols;
            return transposed ? new long[] {1, rows, size, 0} : new long[] {cols, 1, size, 0};
        }

        /** The gather's ids as int32, checked as the reference checks them: whole numbers naming rows of the table. */
        private static int[] ids(Op.Gather g, float[] values, int rows) {
            int[] ids = new int[values.length];
            for (int t = 0; t < values.length; t++) {
                int id = Math.round(values[t]);
                if (id < 0 || id >= rows || id != values[t]) {
                    throw new IllegalArgumentException("layer '" + g.layer() + "': id " + values[t] + " is not a row of its " + rows + "-row table");
                }
                ids[t] = id;
            }
            return ids;
        }

        /** A padding mask as the softmax's additive bias: 0 for keys kept, -inf for keys excluded (probability exactly 0). */
        private static float[] maskBias(float[] mask) {
            float[] bias = new float[mask.length];
            for (int i = 0; i < mask.length; i++) {
                bias[i] = mask[i] != 0 ? 0f : Float.NEGATIVE_INFINITY;
            }
            return bias;
        }

        /** Rows a dense op transforms: the batch, times the tokens of a {@code [tokens, in]} input. */
        private int rows(Op.Dense d) {
            return Math.toIntExact(elements(d.input()) / d.inFeatures());
        }

        private HostTensor download(int tensor, DeviceBuffer buffer) {
            return new HostTensor(PlanPasses.withBatch(plan, tensor, batch), buffer.downloadFloats(Math.toIntExact(elements(tensor))));
        }

        private void requireOpen() {
            if (!open) {
                throw new IllegalStateException("the pass is closed");
            }
        }

        @Override
        public HostTensor logits() {
            requireOpen();
            return download(plan.output().id(), values[plan.output().id()]);
        }

        @Override
        public HostTensor captured() {
            requireOpen();
            return captures ? download(target, values[target]) : null;
        }

        @Override
        public HostTensor captured(String layer) {
            requireOpen();
            int id = PlanPasses.captured(namedCaptures, layer);
            return download(id, values[id]);
        }

        @Override
        public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
            return backward(scoreWeights, relu, gradient -> download(target, gradient));
        }

        /** The captured layer handed to {@code scope}: copied on the device when the scope is on this GPU. */
        @Override
        public ResidentArray captured(ArrayScope scope) {
            requireOpen();
            return captures ? handOver(target, values[target], scope) : null;
        }

        /** The gradient handed to {@code scope}: copied on the device when the scope is on this GPU, so it never comes down. */
        @Override
        public ResidentArray backward(HostTensor scoreWeights, ReluGradient relu, ArrayScope scope) {
            return backward(scoreWeights, relu, gradient -> handOver(target, gradient, scope));
        }

        /** Back-propagates to the target and gives its gradient to {@code take} before the gradient buffers are freed. */
        private <T> T backward(HostTensor scoreWeights, ReluGradient relu, Function<DeviceBuffer, T> take) {
            requireOpen();
            PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
            List<DeviceBuffer> scratch = new ArrayList<>();
            try {
                DeviceBuffer[] gradients = gradients(scoreWeights, relu == ReluGradient.GUIDED, scratch,
                        (hasGradient, step) -> PlanPasses.walkBackward(plan, target, hasGradient, step));
                if (gradients[target] == null) {
                    throw new IllegalStateException("no gradient reaches tensor " + plan.tensor(target) + " from the logits");
                }
                return take.apply(gradients[target]);
            } finally {
                for (DeviceBuffer b : scratch) {
                    b.close();
                }
            }
        }

        /**
         * A tensor of this pass as an array of {@code scope}: a device-to-device copy when the scope is the CUDA
         * backend's on this GPU (the handles share the primary context), else a download and the scope's upload.
         */
        private ResidentArray handOver(int tensor, DeviceBuffer buffer, ArrayScope scope) {
            int[] shape = PlanPasses.withBatch(plan, tensor, batch);
            if (scope instanceof CudaArrayScope onGpu && onGpu.reaches(device)) {
                return onGpu.copyOf(buffer, shape);
            }
            HostTensor host = download(tensor, buffer);
            return scope.upload(host.data(), host.shape());
        }

        /** Every gate's {@code dScore/dy * x}, multiplied on the device; a gate no gradient reaches is zero. */
        @Override
        public Map<String, HostTensor> gateGradients(HostTensor scoreWeights) {
            requireOpen();
            PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
            List<Op.Gate> gates = plan.ops().stream().filter(Op.Gate.class::isInstance).map(Op.Gate.class::cast).toList();
            int[] seeds = gates.stream().mapToInt(Op.Gate::output).toArray();
            List<DeviceBuffer> scratch = new ArrayList<>();
            try {
                DeviceBuffer[] gradients = gradients(scoreWeights, false, scratch,
                        (hasGradient, step) -> PlanPasses.walkBackwardToAll(plan, seeds, hasGradient, step));
                Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
                for (Op.Gate gate : gates) {
                    int[] shape = PlanPasses.withBatch(plan, gate.output(), batch);
                    DeviceBuffer g = gradients[gate.output()];
                    if (g == null) {
                        out.put(gate.layer(), new HostTensor(shape, new float[Math.toIntExact(elements(gate.output()))]));
                        continue;
                    }
                    DeviceBuffer product = device.allocate(elements(gate.output()) * Float.BYTES, gate.layer() + " gate gradient");
                    scratch.add(product);
                    kernels.multiply(g, values[gate.input()], product, elements(gate.output()), 1, false);
                    out.put(gate.layer(), download(gate.output(), product));
                }
                return out;
            } finally {
                for (DeviceBuffer b : scratch) {
                    b.close();
                }
            }
        }

        /** A backward walk's order: {@link PlanPasses#walkBackward} to one tensor, or {@link PlanPasses#walkBackwardToAll} gates. */
        private interface Walk {
            void walk(java.util.function.IntPredicate hasGradient, PlanPasses.Step step);
        }

        /**
         * The gradients of {@code sum scoreWeights * logits} along {@code walk}, one device buffer per tensor reached
         * (null elsewhere), each added to {@code scratch}, which the caller frees.
         */
        private DeviceBuffer[] gradients(HostTensor scoreWeights, boolean guided, List<DeviceBuffer> scratch, Walk walk) {
            DeviceBuffer[] gradients = new DeviceBuffer[plan.tensors().size()];
            DeviceBuffer seed = device.allocate((long) scoreWeights.data().length * Float.BYTES, "score weights");
            scratch.add(seed);
            gradients[plan.output().id()] = seed.upload(scoreWeights.data());
            walk.walk(tensor -> gradients[tensor] != null, (op, s) -> {
                int source = op.inputs()[s];
                boolean accumulate = gradients[source] != null;
                if (!accumulate) {
                    DeviceBuffer fresh = device.allocate(elements(source) * Float.BYTES, op.layer() + " gradient");
                    scratch.add(fresh);
                    gradients[source] = fresh;
                }
                backward(op, s, gradients[op.output()], gradients[source], accumulate, guided);
            });
            return gradients;
        }

        /** Writes (or, when {@code accumulate}, adds) the gradient of input {@code source} of {@code op} into {@code dx}. */
        private void backward(Op op, int source, DeviceBuffer g, DeviceBuffer dx, boolean accumulate, boolean guided) {
            DeviceBuffer[] w = compiled.weights.get(op);
            if (op instanceof Op.Dense d) {
                // dx[r][in] = g[r][out] W, W stored [out][in]: B(k = out, n = in) = W[k * in + n]
                kernels.gemm(g, d.outFeatures(), 1, w[0], d.inFeatures(), 1, dx, rows(d), d.inFeatures(), d.outFeatures(), null, false,
                        Activation.IDENTITY, 0, accumulate);
            } else if (op instanceof Op.Activation a && a.kind() == ActivationKind.GELU) {
                // GELU is not a ReLU: guided backpropagation leaves it alone, as the reference does
                overwriteOrAdd(dx, elements(a.input()), accumulate, a.layer(), into -> kernels.geluBackward(values[a.input()], g, into,
                        elements(a.input())));
            } else if (op instanceof Op.Conv2d c) {
                kernels.conv2dBackwardData(conv(c), g, w[0], dx, accumulate);
            } else if (op instanceof Op.ChannelAffine a) {
                TensorInfo x = plan.tensor(a.input());
                // an affine's derivative is its scale: the forward output (which a fused pass never made) is not read
                kernels.channelAffineBackward(g, g, dx, elements(a.input()), x.channels(), x.height() * x.width(), w[0],
                        Activation.IDENTITY, 0, false, accumulate);
            } else if (op instanceof Op.Activation a && a.kind().gradientFromOutput()) {
                kernels.channelAffineBackward(values[a.output()], g, dx, elements(a.input()), 1, plan.tensor(a.input()).size(), null,
                        activation(a.kind()), (float) a.alpha(), (float) a.beta(), guided, accumulate);
            } else if (op instanceof Op.Activation a) {
                kernels.activationBackwardFromInput(values[a.input()], g, dx, elements(a.input()), activation(a.kind()), (float) a.alpha(),
                        (float) a.beta(), guided, accumulate);
            } else if (op instanceof Op.Multiply m) {
                if (source == 0) {
                    kernels.multiply(g, values[m.b()], dx, elements(m.a()), repeat(m), accumulate);
                } else if (repeat(m) == 1) {
                    kernels.multiply(g, values[m.a()], dx, elements(m.a()), 1, accumulate);
                } else {
                    // a per-channel factor: its gradient sums g * a over the plane it scaled
                    kernels.multiplyReduce(values[m.a()], g, dx, Math.toIntExact(elements(m.b())), repeat(m), accumulate);
                }
            } else if (op instanceof Op.Pool2d p) {
                kernels.pool2dBackward(pool(p), pooling(p), g, kept.get(op), dx, accumulate);
            } else if (op instanceof Op.GlobalPool gp) {
                TensorInfo x = plan.tensor(gp.input());
                kernels.globalPoolBackward(g, kept.get(op), dx, batch * x.channels(), x.height() * x.width(), globalPooling(gp.kind()), accumulate);
            } else if (op instanceof Op.ZeroPad z) {
                TensorInfo x = plan.tensor(z.input());
                TensorInfo out = plan.tensor(z.output());
                kernels.crop2d(g, dx, (long) batch * x.channels(), x.height(), x.width(), out.height(), out.width(), z.padding().top(),
                        z.padding().left(), accumulate);
            } else if (op instanceof Op.Reshape || op instanceof Op.Add || op instanceof Op.Gate) {
                kernels.copy(g, dx, elements(op.output()), accumulate);
            } else if (op instanceof Op.Concat c) {
                TensorInfo out = plan.tensor(c.output());
                int plane = out.height() * out.width();
                int offset = 0;
                for (int k = 0; k < source; k++) {
                    offset += plan.tensor(c.sources()[k]).size() / plane;
                }
                int channels = plan.tensor(c.sources()[source]).size() / plane;
                kernels.copyChannels(g, out.size() / plane, offset, dx, channels, 0, batch, channels, plane, accumulate);
            } else {
                transformerBackward(op, source, g, dx, accumulate);
            }
        }

        /**
         * The transformer ops' input gradients. A gather's ids, a softmax's mask and a constant get none; the backward
         * walk never asks for them, since no gradient flows from the inputs they are made of to the logits' score.
         */
        private void transformerBackward(Op op, int source, DeviceBuffer g, DeviceBuffer dx, boolean accumulate) {
            long elements = elements(op.inputs()[source]);
            if (op instanceof Op.MatMul m) {
                PlanPasses.MatMulSizes p = PlanPasses.MatMulSizes.of(plan, m, batch);
                boolean ta = m.transposeA();
                boolean tb = m.transposeB();
                // with G = dScore/dY [m, n]: d op(a) = scale G op(b)^T, d op(b) = scale op(a)^T G, each written in its
                // operand's stored layout (the transpose of the product where the operand is stored transposed)
                overwriteOrAdd(dx, elements, accumulate, m.layer(), into -> {
                    if (source == 0 && !ta) {
                        kernels.gemmBatched(g, matrix(false, p.m(), p.n()), values[m.b()], matrix(!tb, p.n(), p.k()), into, p.k(), (long) p.m() * p.k(), 0,
                                p.count(), 1, p.m(), p.k(), p.n(), m.scale());
                    } else if (source == 0) {
                        kernels.gemmBatched(values[m.b()], matrix(tb, p.k(), p.n()), g, matrix(true, p.n(), p.m()), into, p.m(), (long) p.k() * p.m(), 0,
                                p.count(), 1, p.k(), p.m(), p.n(), m.scale());
                    } else if (!tb) {
                        kernels.gemmBatched(values[m.a()], matrix(!ta, p.k(), p.m()), g, matrix(false, p.m(), p.n()), into, p.n(), (long) p.k() * p.n(), 0,
                                p.count(), 1, p.k(), p.n(), p.m(), m.scale());
                    } else {
                        kernels.gemmBatched(g, matrix(true, p.n(), p.m()), values[m.a()], matrix(ta, p.m(), p.k()), into, p.k(), (long) p.n() * p.k(), 0,
                                p.count(), 1, p.n(), p.k(), p.m(), m.scale());
                    }
                });
            } else if (op instanceof Op.LayerNorm l) {
                int cols = plan.tensor(l.input()).lastDim();
                kernels.layerNormBackward(values[l.input()], kept.get(op), g, dx, Math.toIntExact(elements / cols), cols,
                        compiled.weights.get(op)[0], accumulate);
            } else if (op instanceof Op.Softmax s && source == 0) {
                int cols = plan.tensor(s.input()).lastDim();
                overwriteOrAdd(dx, elements, accumulate, s.layer(), into -> kernels.softmaxRowsBackward(values[s.output()], g, into,
                        Math.toIntExact(elements / cols), cols));
            } else if (op instanceof Op.Transpose t) {
                permute(g, plan.tensor(t.output()).shape(), inverse(t.permutation()), dx, accumulate);
            } else if (op instanceof Op.Slice s) {
                // the slice's rows get the gradient, every other row zero: a zero padding of [length][row] to [rows][row]
                TensorInfo x = plan.tensor(s.input());
                int rowSize = x.size() / x.shape()[0];
                overwriteOrAdd(dx, elements, accumulate, s.layer(), into -> kernels.pad2d(g, into, batch, s.length(), rowSize, x.shape()[0],
                        rowSize, s.start(), 0));
            } else {
                throw new IllegalStateException("no CUDA kernel for the gradient of " + op + " with respect to input " + source);
            }
        }

        /**
         * Runs {@code write} into {@code dx}, or, when the gradient accumulates, into a scratch buffer then added to
         * {@code dx}: for the kernels that can only overwrite their output.
         */
        private void overwriteOrAdd(DeviceBuffer dx, long elements, boolean accumulate, String layer,
                                    java.util.function.Consumer<DeviceBuffer> write) {
            if (!accumulate) {
                write.accept(dx);
                return;
            }
            try (DeviceBuffer partial = device.allocate(elements * Float.BYTES, layer + " partial gradient")) {
                write.accept(partial);
                kernels.add(dx, partial, dx, elements);
            }
        }

        /** The permutation that undoes {@code perm}. */
        private static int[] inverse(int[] perm) {
            int[] inverse = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                inverse[perm[i]] = i;
            }
            return inverse;
        }

        private EngineKernels.Conv2d conv(Op.Conv2d c) {
            TensorInfo x = plan.tensor(c.input());
            TensorInfo y = plan.tensor(c.output());
            Window w = c.window();
            return new EngineKernels.Conv2d(batch, x.channels(), x.height(), x.width(), y.channels(), y.height(), y.width(), w.kernelH(),
                    w.kernelW(), w.strideH(), w.strideW(), w.padding().top(), w.padding().left(), w.dilationH(), w.dilationW(), c.groups());
        }

        /** How many of a's values each of b's multiplies: 1 for equal shapes, a plane for a per-channel b. */
        private int repeat(Op.Multiply m) {
            return plan.tensor(m.a()).size() / plan.tensor(m.b()).size();
        }

        private EngineKernels.Pool2d pool(Op.Pool2d p) {
            TensorInfo x = plan.tensor(p.input());
            TensorInfo y = plan.tensor(p.output());
            Window w = p.window();
            return new EngineKernels.Pool2d(batch * x.channels(), x.height(), x.width(), y.height(), y.width(), w.kernelH(), w.kernelW(),
                    w.strideH(), w.strideW(), w.padding().top(), w.padding().left());
        }

        private static Pooling pooling(Op.Pool2d p) {
            if (p.kind() == PoolKind.MAX) {
                return Pooling.MAX;
            }
            if (p.kind() == PoolKind.AVG) {
                return p.countPadding() ? Pooling.AVERAGE_ALL : Pooling.AVERAGE_INSIDE;
            }
            throw new UnsupportedLayerException(p.layer(), "Pool2d", "uses " + p.kind() + " pooling over windows, which Heed's CUDA engine does not run");
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            for (DeviceBuffer b : owned) {
                b.close();
            }
            owned.clear();
            kept.clear();
            Arrays.fill(values, null);
        }
    }

    private static GlobalPooling globalPooling(PoolKind kind) {
        return switch (kind) {
            case MAX -> GlobalPooling.MAX;
            case AVG -> GlobalPooling.AVERAGE;
            case SUM -> GlobalPooling.SUM;
        };
    }

    private static Activation activation(ActivationKind kind) {
        return switch (kind) {
            case RELU -> Activation.RELU;
            case LEAKY_RELU -> Activation.LEAKY_RELU;
            case SIGMOID -> Activation.SIGMOID;
            case TANH -> Activation.TANH;
            case CLIP -> Activation.CLIP;
            case HARD_SIGMOID -> Activation.HARD_SIGMOID;
            case HARD_SWISH -> Activation.HARD_SWISH;
            // GELU has kernels of its own (engine_gelu), is never fused, and so never reaches an activation code
            case GELU -> throw new IllegalStateException("GELU runs on its own kernels, not as a fused activation");
        };
    }
}
