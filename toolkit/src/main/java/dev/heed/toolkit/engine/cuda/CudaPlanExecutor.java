package dev.heed.toolkit.engine.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.CudaException;
import dev.heed.kernels.DeviceBuffer;
import dev.heed.kernels.EngineKernels;
import dev.heed.kernels.EngineKernels.Activation;
import dev.heed.kernels.EngineKernels.GlobalPooling;
import dev.heed.kernels.EngineKernels.Pooling;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Plan} on Heed's own CUDA kernels ({@code engine.cu} through {@link EngineKernels}): weights are
 * uploaded once per compiled plan, every activation and gradient of a pass lives in device buffers owned by the pass,
 * and only the input goes up and only what is asked for (logits, the captured layer, the gradient) comes down.
 *
 * <p>It runs one kernel per op, in plan order, in exact FP32 (or TF32 for the GEMM-shaped kernels), except that a
 * convolution (grouped and depthwise ones too) takes the BatchNorm and the activation after it into its epilogue
 * wherever the pass needs neither tensor in between; hard swish, whose derivative needs its input, is never taken in.
 * It is checked against {@code CpuReferenceExecutor} on the emulated driver in every build.
 */
public final class CudaPlanExecutor implements PlanExecutor {
    public static final String NAME = "cuda";

    private final CudaDevice device;
    private final EngineKernels.Precision precision;

    /** Runs on {@code device} in exact FP32; the caller owns the device and closes it after every compiled plan made here. */
    public CudaPlanExecutor(CudaDevice device) {
        this(device, EngineKernels.Precision.FP32);
    }

    /**
     * Runs dense layers and convolutions (forward and input gradient) in {@code precision}: TF32 uses the tensor cores
     * of sm_80 and newer (refused below), with operands rounded to a 10-bit mantissa.
     */
    public CudaPlanExecutor(CudaDevice device, EngineKernels.Precision precision) {
        EngineKernels.requireSupported(device, precision);
        this.device = device;
        this.precision = precision;
    }

    @Override
    public String name() {
        return precision == EngineKernels.Precision.FP32 ? NAME : NAME + "-" + precision.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Uploads the plan's weights. Throws {@link UnsupportedLayerException} for an op this executor cannot run (dilated
     * pooling, the transformer ops), before anything is allocated.
     */
    @Override
    public CompiledPlan compile(Plan plan) {
        for (Op op : plan.ops()) {
            if (op instanceof Op.Pool2d p && (p.window().dilationH() != 1 || p.window().dilationW() != 1)) {
                throw new UnsupportedLayerException(p.layer(), "Pool2d", "uses dilated pooling, which Heed's CUDA engine does not run");
            }
            // EngineKernels has the transformer kernels (batched GEMM, masked softmax, layer norm, GELU, gather), but this
            // executor does not yet run the plan's transformer ops; refuse them here, so that auto can fall back cleanly
            boolean transformer = op instanceof Op.Constant || op instanceof Op.Gather || op instanceof Op.MatMul || op instanceof Op.LayerNorm
                    || op instanceof Op.Softmax || op instanceof Op.Transpose || op instanceof Op.Slice || op instanceof Op.Gate
                    || (op instanceof Op.Activation a && a.kind() == ActivationKind.GELU)
                    || (op instanceof Op.Dense d && plan.tensor(d.input()).rank() != 1);
            if (transformer) {
                throw new UnsupportedLayerException(op.layer(), op.getClass().getSimpleName(), "is not supported by Heed's CUDA engine yet");
            }
        }
        return new Compiled(plan);
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
            // as many images per pass as the free device memory holds (with room for the backward pass), then, should
            // the device still run out, halves until one image does not fit
            long free = device.memory()[0];
            int fits = (int) Math.max(1, Math.min(input.batch(), free / 2 / Math.max(1, bytesPerImage())));
            return forwardInChunks(input, target, captureLayer != null, fits);
        }

        private PlanPass forwardInChunks(HostTensor input, int target, boolean captures, int chunk) {
            int batch = input.batch();
            try {
                if (chunk >= batch) {
                    return run(input, target, captures);
                }
                List<HostTensor> parts = new ArrayList<>();
                for (int from = 0; from < batch; from += chunk) {
                    parts.add(SplitPass.rows(input, from, Math.min(batch, from + chunk)));
                }
                return new SplitPass(parts, part -> run(part, target, captures), captures);
            } catch (CudaException e) {
                if (!e.outOfMemory() || chunk == 1) {
                    throw e;
                }
                return forwardInChunks(input, target, captures, Math.min(chunk, batch) / 2);
            }
        }

        /** One pass on the device over the whole of {@code input}, freed again if it fails. */
        private Pass run(HostTensor input, int target, boolean captures) {
            Pass pass = new Pass(this, device, input.batch(), target, captures);
            try {
                pass.run(input);
            } catch (RuntimeException e) {
                pass.close();
                throw e;
            }
            return pass;
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
        private final DeviceBuffer[] values;
        /** The forward pass's choice per max-pooling window, for routing gradients back to the same pixel. */
        private final Map<Op, DeviceBuffer> argmax = new IdentityHashMap<>();
        private final List<DeviceBuffer> owned = new ArrayList<>();
        private boolean open = true;

        Pass(Compiled compiled, CudaDevice device, int batch, int target, boolean captures) {
            this.compiled = compiled;
            this.plan = compiled.plan;
            this.kernels = compiled.kernels;
            this.device = device;
            this.batch = batch;
            this.target = target;
            this.captures = captures;
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

        void run(HostTensor input) {
            values[plan.input().id()] = allocate(input.data().length, "input").upload(input.data());
            java.util.Set<Op> fusedAway = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Op op : plan.ops()) {
                if (fusedAway.contains(op)) {
                    continue;
                }
                if (op instanceof Op.Reshape r) {
                    values[r.output()] = values[r.input()];
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
            if (out != target && compiled.fusedShifts.containsKey(c)) {
                Op.ChannelAffine bn = (Op.ChannelAffine) compiled.soleReader(out);
                scale = compiled.weights.get(bn)[0];
                shift = compiled.fusedShifts.get(c);
                fusedAway.add(bn);
                out = bn.output();
            }
            if (out != target && compiled.soleReader(out) instanceof Op.Activation a && a.kind().gradientFromOutput()) {
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
                // y[n][out] = x[n][in] W^T + b, W stored [out][in]: B(k = in, n = out) = W[out * in + k]
                kernels.gemm(values[d.input()], d.inFeatures(), 1, w[0], 1, d.inFeatures(), y, batch, d.outFeatures(), d.inFeatures(), w[1],
                        false, Activation.IDENTITY, 0, false);
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
                    argmax.put(op, choice);
                }
                kernels.pool2dForward(pool(p), pooling(p), values[p.input()], y, choice);
            } else if (op instanceof Op.GlobalPool g) {
                TensorInfo x = plan.tensor(g.input());
                DeviceBuffer choice = null;
                if (g.kind() == PoolKind.MAX) {
                    choice = allocate((long) batch * x.channels(), g.layer() + " argmax");
                    argmax.put(op, choice);
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
                throw new IllegalStateException("no CUDA kernel for " + op);
            }
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
        public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
            requireOpen();
            PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
            List<DeviceBuffer> scratch = new ArrayList<>();
            try {
                DeviceBuffer[] gradients = new DeviceBuffer[plan.tensors().size()];
                DeviceBuffer seed = device.allocate((long) scoreWeights.data().length * Float.BYTES, "score weights");
                scratch.add(seed);
                gradients[plan.output().id()] = seed.upload(scoreWeights.data());
                PlanPasses.walkBackward(plan, target, tensor -> gradients[tensor] != null, (op, s) -> {
                    int source = op.inputs()[s];
                    boolean accumulate = gradients[source] != null;
                    if (!accumulate) {
                        DeviceBuffer fresh = device.allocate(elements(source) * Float.BYTES, op.layer() + " gradient");
                        scratch.add(fresh);
                        gradients[source] = fresh;
                    }
                    backward(op, s, gradients[op.output()], gradients[source], accumulate, relu == ReluGradient.GUIDED);
                });
                if (gradients[target] == null) {
                    throw new IllegalStateException("no gradient reaches tensor " + plan.tensor(target) + " from the logits");
                }
                return download(target, gradients[target]);
            } finally {
                for (DeviceBuffer b : scratch) {
                    b.close();
                }
            }
        }

        /** Writes (or, when {@code accumulate}, adds) the gradient of input {@code source} of {@code op} into {@code dx}. */
        private void backward(Op op, int source, DeviceBuffer g, DeviceBuffer dx, boolean accumulate, boolean guided) {
            DeviceBuffer[] w = compiled.weights.get(op);
            if (op instanceof Op.Dense d) {
                // dx[n][in] = g[n][out] W, W stored [out][in]: B(k = out, n = in) = W[k * in + n]
                kernels.gemm(g, d.outFeatures(), 1, w[0], d.inFeatures(), 1, dx, batch, d.inFeatures(), d.outFeatures(), null, false,
                        Activation.IDENTITY, 0, accumulate);
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
                kernels.pool2dBackward(pool(p), pooling(p), g, argmax.get(op), dx, accumulate);
            } else if (op instanceof Op.GlobalPool gp) {
                TensorInfo x = plan.tensor(gp.input());
                kernels.globalPoolBackward(g, argmax.get(op), dx, batch * x.channels(), x.height() * x.width(), globalPooling(gp.kind()), accumulate);
            } else if (op instanceof Op.ZeroPad z) {
                TensorInfo x = plan.tensor(z.input());
                TensorInfo out = plan.tensor(z.output());
                kernels.crop2d(g, dx, (long) batch * x.channels(), x.height(), x.width(), out.height(), out.width(), z.padding().top(),
                        z.padding().left(), accumulate);
            } else if (op instanceof Op.Reshape || op instanceof Op.Add) {
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
                throw new IllegalStateException("no CUDA kernel for " + op);
            }
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
            argmax.clear();
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
            // EngineKernels.gelu exists; the transformer ops around it are not wired into this executor yet
            case GELU -> throw new UnsupportedLayerException("gelu", "GELU", "is not supported by the CUDA executor yet");
        };
    }
}
