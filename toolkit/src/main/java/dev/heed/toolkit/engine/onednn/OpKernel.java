package dev.heed.toolkit.engine.onednn;

import static dev.heed.toolkit.engine.onednn.OneDnnContext.call;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.engine.plan.Window;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.inner_product_backward_data;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_v2_backward;
import org.bytedeco.dnnl.pooling_v2_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reduction;
import org.bytedeco.dnnl.reorder;

/**
 * The oneDNN primitives of one plan op at one batch size, and how to run them forward and backward-data. Forward
 * primitives are built with the kernel; backward ones on first use; both live as long as the compiled plan. Every
 * tensor a kernel reads or writes is plain row-major (NCHW or NC); convolution and inner-product weights are in
 * whatever layout their primitive chose, reordered once by the compiled plan.
 */
abstract class OpKernel {
    final OneDnnCompiledPlan compiled;
    final NativeOwner owner;
    final Plan plan;
    final int batch;
    /** For messages: {@code convolution 'conv1'}. */
    final String name;

    OpKernel(OneDnnCompiledPlan compiled, Op op, int batch, String kind) {
        this.compiled = compiled;
        this.owner = compiled.owner;
        this.plan = compiled.plan;
        this.batch = batch;
        this.name = kind + " '" + op.layer() + "'";
    }

    /** Computes the op's output (allocating or aliasing it in the pass) from its inputs. */
    abstract void forward(OneDnnPass pass);

    /**
     * The gradient with respect to input {@code source} given the output's {@code gradient}: a memory of the pass's
     * current scope, or {@code gradient} itself where the op passes it on unchanged. Never writes {@code gradient}.
     */
    abstract memory backward(OneDnnPass pass, int source, memory gradient, boolean guided);

    static OpKernel build(OneDnnCompiledPlan compiled, Fusion fusion, memory.desc[] layouts, Op op, int batch) {
        OpKernel transformer = TransformerKernels.build(compiled, op, batch);
        if (transformer != null) {
            return transformer;
        } else if (op instanceof Op.Conv2d c) {
            return new Convolution(compiled, fusion, layouts, c, batch);
        } else if (op instanceof Op.Dense d) {
            return new InnerProduct(compiled, fusion, d, batch);
        } else if (op instanceof Op.ChannelAffine a) {
            return fusion.foldedAffines.contains(a) ? new FoldedAffine(compiled, a, batch) : new Affine(compiled, a, batch);
        } else if (op instanceof Op.Activation a) {
            return new Activation(compiled, a, batch, fusion.fusedRelus.contains(a), layouts[a.output()]);
        } else if (op instanceof Op.Pool2d p) {
            return new Pooling(compiled, p, batch);
        } else if (op instanceof Op.GlobalPool g) {
            return new Pooling(compiled, g, batch);
        } else if (op instanceof Op.ZeroPad z) {
            return new ZeroPad(compiled, z, batch);
        } else if (op instanceof Op.Reshape r) {
            return new Reshape(compiled, r, batch);
        } else if (op instanceof Op.Add a) {
            return new Add(compiled, a, batch);
        } else if (op instanceof Op.Multiply m) {
            return new Multiply(compiled, m, batch);
        } else if (op instanceof Op.Concat c) {
            return new Concat(compiled, c, batch);
        }
        throw new UnsupportedLayerException(op.layer(), op.getClass().getSimpleName(), "is not supported by the oneDNN executor");
    }

    /** A tensor's dimensions with the batch first: {@code [n, c, h, w]}, {@code [n, features]}, {@code [n, tokens, features]}, .... */
    long[] dims(int tensor) {
        int[] shape = plan.tensor(tensor).shape();
        long[] dims = new long[shape.length + 1];
        dims[0] = batch;
        for (int i = 0; i < shape.length; i++) {
            dims[i + 1] = shape[i];
        }
        return dims;
    }

    /** A tensor's dimensions as rank 4, {@code [n, c, 1, 1]} for a flat one. */
    long[] dims4(int tensor) {
        TensorInfo t = plan.tensor(tensor);
        return new long[] {batch, t.channels(), t.height(), t.width()};
    }

    memory.desc plain(long... dims) {
        return OneDnnContext.plain(owner, dims);
    }

    memory.desc plain(int tensor) {
        return plain(dims(tensor));
    }

    void execute(primitive p, Map<Integer, memory> args) {
        compiled.context.execute(name, p, args);
    }

    static Map<Integer, memory> args(Object... keysAndValues) {
        Map<Integer, memory> args = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                args.put((Integer) keysAndValues[i], (memory) keysAndValues[i + 1]);
            }
        }
        return args;
    }

    /** A binary primitive {@code dst = a (op) b}, {@code b} broadcast where its dimensions are 1; cached per shape. */
    static primitive binaryPrimitive(OneDnnCompiledPlan compiled, dnnl.algorithm algorithm, long[] a, long[] b) {
        return compiled.shared("binary " + algorithm + Arrays.toString(a) + Arrays.toString(b), () -> call("binary " + algorithm, () -> {
            NativeOwner o = compiled.owner;
            binary.desc d = o.own(new binary.desc(algorithm, OneDnnContext.plain(o, a), OneDnnContext.plain(o, b), OneDnnContext.plain(o, a)));
            binary.primitive_desc pd = o.own(new binary.primitive_desc(d, compiled.context.engine));
            return o.own(new binary(pd));
        }));
    }

    /** Element-wise sum of two plain tensors of shape {@code dims}. */
    static primitive adder(OneDnnCompiledPlan compiled, long[] dims) {
        return binaryPrimitive(compiled, dnnl.algorithm.binary_add, dims, dims);
    }

    eltwise_forward.primitive_desc eltwise(dnnl.algorithm algorithm, long[] dims, double alpha, double beta) {
        return call(name + " eltwise " + algorithm, () -> {
            eltwise_forward.desc d = owner.own(new eltwise_forward.desc(dnnl.prop_kind.forward_training, algorithm, plain(dims),
                    (float) alpha, (float) beta));
            return owner.own(new eltwise_forward.primitive_desc(d, compiled.context.engine));
        });
    }

    primitive eltwiseBackward(eltwise_forward.primitive_desc forward, dnnl.algorithm algorithm, long[] dims, memory.desc data, double alpha,
                              double beta) {
        return call(name + " eltwise backward " + algorithm, () -> {
            eltwise_backward.desc d = owner.own(new eltwise_backward.desc(algorithm, plain(dims), data, (float) alpha, (float) beta));
            return owner.own(new eltwise_backward(owner.own(new eltwise_backward.primitive_desc(d, compiled.context.engine, forward))));
        });
    }

    primitive reorder(memory.desc from, memory.desc to) {
        return call(name + " reorder", () -> owner.own(new reorder(owner.own(new reorder.primitive_desc(compiled.context.engine, from,
                compiled.context.engine, to)))));
    }

    /**
     * Convolution forward and backward-data in the layouts oneDNN chooses for it (blocked, such as {@code nChw16c}),
     * with reorders from and to the plain tensors around it. A folded affine's output, or a fused ReLU's, is written
     * directly: the ReLU as a post-op, whose backward then reads its output, which is exact (the output is positive
     * exactly where the input is).
     */
    static final class Convolution extends OpKernel {
        private final Op.Conv2d op;
        private final int outputTensor;
        private final memory.desc src;
        private final memory.desc dst;
        private final memory.desc weightsAny;
        private final long[] strides;
        private final long[] dilates;
        private final long[] padL;
        private final long[] padR;
        private final convolution_forward.primitive_desc forwardPd;
        private final primitive forward;
        private final memory[] plainWeights;
        private final memory weights;
        private final memory bias;
        private final Layout input;
        private final Layout output;
        private final boolean keepsLayout;
        private final memory.desc outputLayout;
        private primitive backward;
        private memory backwardWeights;
        private Layout gradientIn;
        private Layout gradientOut;

        Convolution(OneDnnCompiledPlan compiled, Fusion fusion, memory.desc[] layouts, Op.Conv2d op, int batch) {
            super(compiled, op, batch, "convolution");
            this.op = op;
            outputTensor = fusion.writtenBy(op);
            Window w = op.window();
            src = plain(op.input());
            dst = plain(op.output());
            long[] wDims = op.groups() == 1
                    ? new long[] {op.outChannels(), op.inChannelsPerGroup(), w.kernelH(), w.kernelW()}
                    : new long[] {op.groups(), op.outChannels() / op.groups(), op.inChannelsPerGroup(), w.kernelH(), w.kernelW()};
            weightsAny = OneDnnContext.any(owner, wDims);
            memory.desc srcAny = OneDnnContext.any(owner, dims(op.input()));
            memory.desc dstAny = OneDnnContext.any(owner, dims(op.output()));
            strides = new long[] {w.strideH(), w.strideW()};
            dilates = new long[] {w.dilationH() - 1, w.dilationW() - 1};
            padL = new long[] {w.padding().top(), w.padding().left()};
            padR = new long[] {w.padding().bottom(), w.padding().right()};
            plainWeights = compiled.weights(op, fusion.foldedInto.get(op));
            bias = plainWeights[1];
            boolean relu = fusion.fusedRelu.containsKey(op);
            forwardPd = call(name + " forward", () -> {
                convolution_forward.desc d = bias == null
                        ? new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, srcAny, weightsAny,
                                dstAny, strides, dilates, padL, padR)
                        : new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, srcAny, weightsAny,
                                plain((long) op.outChannels()), dstAny, strides, dilates, padL, padR);
                owner.own(d);
                if (!relu) {
                    return owner.own(new convolution_forward.primitive_desc(d, compiled.context.engine));
                }
                post_ops ops = owner.own(new post_ops());
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
                primitive_attr attr = owner.own(new primitive_attr());
                attr.set_post_ops(ops);
                return owner.own(new convolution_forward.primitive_desc(d, attr, compiled.context.engine));
            });
            forward = call(name + " forward", () -> owner.own(new convolution_forward(forwardPd)));
            weights = compiled.weightsIn(op, plainWeights[0], owner.own(forwardPd.weights_desc()));
            memory.desc inputLayout = layouts[op.input()];
            input = layout(inputLayout != null ? inputLayout : src, owner.own(forwardPd.src_desc()));
            memory.desc chosen = owner.own(forwardPd.dst_desc());
            // An output only convolutions read stays in this convolution's layout; their input reorders convert it.
            keepsLayout = fusion.convolutionsOnly[outputTensor] && !chosen.equals(dst);
            if (keepsLayout) {
                layouts[outputTensor] = chosen;
            }
            outputLayout = chosen;
            output = keepsLayout ? layout(chosen, chosen) : layout(chosen, dst);
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = keepsLayout ? pass.allocate(outputTensor, outputLayout) : pass.allocate(outputTensor);
            pass.setValue(op.output(), y);
            memory x = input.apply(pass, pass.value(op.input()));
            memory out = output.reorder == null ? y : pass.temp(output.from);
            execute(forward, args(DNNL_ARG_SRC, x, DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS, bias, DNNL_ARG_DST, out));
            output.into(pass, out, y);
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                memory.desc diffSrcAny = OneDnnContext.any(owner, dims(op.input()));
                memory.desc diffDstAny = OneDnnContext.any(owner, dims(op.output()));
                convolution_backward_data.primitive_desc pd = call(name + " backward-data", () -> {
                    convolution_backward_data.desc d = owner.own(new convolution_backward_data.desc(dnnl.algorithm.convolution_direct,
                            diffSrcAny, weightsAny, diffDstAny, strides, dilates, padL, padR));
                    return owner.own(new convolution_backward_data.primitive_desc(d, compiled.context.engine, forwardPd));
                });
                backwardWeights = compiled.weightsIn(op, plainWeights[0], owner.own(pd.weights_desc()));
                gradientIn = layout(dst, owner.own(pd.diff_dst_desc()));
                gradientOut = layout(owner.own(pd.diff_src_desc()), src);
                backward = call(name + " backward-data", () -> owner.own(new convolution_backward_data(pd)));
            }
            memory g = gradientIn.apply(pass, gradient);
            memory gx = pass.temp(src);
            memory out = gradientOut.reorder == null ? gx : pass.temp(gradientOut.from);
            execute(backward, args(DNNL_ARG_DIFF_DST, g, DNNL_ARG_WEIGHTS, backwardWeights, DNNL_ARG_DIFF_SRC, out));
            gradientOut.into(pass, out, gx);
            return gx;
        }
    }

    /** A reorder between a plain layout and the one a primitive chose, or none where they are the same. */
    Layout layout(memory.desc from, memory.desc to) {
        return new Layout(from, to, from.equals(to) ? null : reorder(from, to));
    }

    final class Layout {
        final memory.desc from;
        final memory.desc to;
        final primitive reorder;

        Layout(memory.desc from, memory.desc to, primitive reorder) {
            this.from = from;
            this.to = to;
            this.reorder = reorder;
        }

        /** {@code m} (in {@link #from}) in {@link #to}: itself, or a reordered copy in the pass's current scope. */
        memory apply(OneDnnPass pass, memory m) {
            if (reorder == null) {
                return m;
            }
            memory copy = pass.temp(to);
            execute(reorder, args(DNNL_ARG_FROM, m, DNNL_ARG_TO, copy));
            return copy;
        }

        /** Reorders {@code m} into {@code target}, unless they are one memory. */
        void into(OneDnnPass pass, memory m, memory target) {
            if (reorder != null) {
                execute(reorder, args(DNNL_ARG_FROM, m, DNNL_ARG_TO, target));
            }
        }
    }

    /** Inner product forward and backward-data ({@code Dense}); a folded affine's output is written directly. */
    static final class InnerProduct extends OpKernel {
        private final Op.Dense op;
        private final int outputTensor;
        private final memory.desc src;
        private final memory.desc dst;
        private final memory.desc weightsAny;
        private final inner_product_forward.primitive_desc forwardPd;
        private final primitive forward;
        private final memory[] plainWeights;
        private final memory weights;
        private final memory bias;
        private primitive backward;
        private memory backwardWeights;

        InnerProduct(OneDnnCompiledPlan compiled, Fusion fusion, Op.Dense op, int batch) {
            super(compiled, op, batch, "inner product");
            this.op = op;
            outputTensor = fusion.writtenBy(op);
            src = plain(op.input());
            dst = plain(op.output());
            weightsAny = OneDnnContext.any(owner, op.outFeatures(), op.inFeatures());
            plainWeights = compiled.weights(op, fusion.foldedInto.get(op));
            bias = plainWeights[1];
            forwardPd = call(name + " forward", () -> {
                inner_product_forward.desc d = owner.own(bias == null
                        ? new inner_product_forward.desc(dnnl.prop_kind.forward_training, src, weightsAny, dst)
                        : new inner_product_forward.desc(dnnl.prop_kind.forward_training, src, weightsAny, plain((long) op.outFeatures()), dst));
                return owner.own(new inner_product_forward.primitive_desc(d, compiled.context.engine));
            });
            forward = call(name + " forward", () -> owner.own(new inner_product_forward(forwardPd)));
            weights = compiled.weightsIn(op, plainWeights[0], owner.own(forwardPd.weights_desc()));
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(outputTensor);
            pass.setValue(op.output(), y);
            execute(forward, args(DNNL_ARG_SRC, pass.value(op.input()), DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS, bias, DNNL_ARG_DST, y));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                inner_product_backward_data.primitive_desc pd = call(name + " backward-data", () -> {
                    inner_product_backward_data.desc d = owner.own(new inner_product_backward_data.desc(src, weightsAny, dst));
                    return owner.own(new inner_product_backward_data.primitive_desc(d, compiled.context.engine, forwardPd));
                });
                backwardWeights = compiled.weightsIn(op, plainWeights[0], owner.own(pd.weights_desc()));
                backward = call(name + " backward-data", () -> owner.own(new inner_product_backward_data(pd)));
            }
            memory gx = pass.temp(src);
            execute(backward, args(DNNL_ARG_DIFF_DST, gradient, DNNL_ARG_WEIGHTS, backwardWeights, DNNL_ARG_DIFF_SRC, gx));
            return gx;
        }
    }

    /** An affine folded into the convolution before it: that kernel wrote the output, and its backward includes the scale. */
    static final class FoldedAffine extends OpKernel {
        FoldedAffine(OneDnnCompiledPlan compiled, Op.ChannelAffine op, int batch) {
            super(compiled, op, batch, "folded affine");
        }

        @Override
        void forward(OneDnnPass pass) {
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            return gradient;
        }
    }

    /** {@code y = scale x + shift} per channel, as a binary multiply and a binary add with broadcast operands. */
    static final class Affine extends OpKernel {
        private final Op.ChannelAffine op;
        private final primitive multiply;
        private final primitive add;
        private final memory scale;
        private final memory shift;

        Affine(OneDnnCompiledPlan compiled, Op.ChannelAffine op, int batch) {
            super(compiled, op, batch, "channel affine");
            this.op = op;
            long[] x = dims(op.input());
            long[] perChannel = x.length == 4 ? new long[] {1, x[1], 1, 1} : new long[] {1, x[1]};
            multiply = binaryPrimitive(compiled, dnnl.algorithm.binary_mul, x, perChannel);
            add = binaryPrimitive(compiled, dnnl.algorithm.binary_add, x, perChannel);
            memory[] w = compiled.affineWeights(op);
            scale = w[0];
            shift = w[1];
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            execute(multiply, args(DNNL_ARG_SRC_0, pass.value(op.input()), DNNL_ARG_SRC_1, scale, DNNL_ARG_DST, y));
            execute(add, args(DNNL_ARG_SRC_0, y, DNNL_ARG_SRC_1, shift, DNNL_ARG_DST, y));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            memory gx = pass.tempLike(op.input());
            execute(multiply, args(DNNL_ARG_SRC_0, gradient, DNNL_ARG_SRC_1, scale, DNNL_ARG_DST, gx));
            return gx;
        }
    }

    /**
     * Element-wise functions on oneDNN's eltwise primitive. oneDNN 2.5 has no hard sigmoid, so it runs as
     * {@code clip_v2(linear(x), 0, 1)} with the linear part kept for the backward pass. Guided ReLU applies ReLU to the
     * incoming gradient first, so that only positive gradients pass, and only where the input was positive.
     */
    static final class Activation extends OpKernel {
        private final Op.Activation op;
        private final long[] dims;
        private final dnnl.algorithm algorithm;
        private final double alpha;
        private final double beta;
        private final boolean fromOutput;
        /** A ReLU the convolution before it applied as a post-op. */
        private final boolean fused;
        /** The layout that convolution left the ReLU's output in, when not plain; the backward reads it there. */
        private final memory.desc fusedOutputLayout;
        private final eltwise_forward.primitive_desc forwardPd;
        private final primitive forward;
        /** Hard sigmoid's linear part {@code alpha x + beta} (also scaling its gradient, with beta 0); null otherwise. */
        private final primitive linear;
        private final primitive gradientScale;
        private primitive backward;

        Activation(OneDnnCompiledPlan compiled, Op.Activation op, int batch, boolean fused, memory.desc fusedOutputLayout) {
            super(compiled, op, batch, "activation " + op.kind());
            this.op = op;
            this.dims = dims(op.input());
            ActivationKind kind = op.kind();
            Eltwise e = switch (kind) {
                case RELU -> new Eltwise(dnnl.algorithm.eltwise_relu, 0, 0);
                case LEAKY_RELU -> new Eltwise(dnnl.algorithm.eltwise_relu, op.alpha(), 0);
                case SIGMOID -> new Eltwise(dnnl.algorithm.eltwise_logistic_use_dst_for_bwd, 0, 0);
                case TANH -> new Eltwise(dnnl.algorithm.eltwise_tanh_use_dst_for_bwd, 0, 0);
                case CLIP -> new Eltwise(dnnl.algorithm.eltwise_clip_v2, op.alpha(), op.beta());
                case HARD_SIGMOID -> new Eltwise(dnnl.algorithm.eltwise_clip_v2, 0, 1);
                case HARD_SWISH -> new Eltwise(dnnl.algorithm.eltwise_hardswish, 0, 0);
                case GELU -> new Eltwise(dnnl.algorithm.eltwise_gelu_erf, 0, 0);
            };
            algorithm = e.algorithm();
            alpha = e.alpha();
            beta = e.beta();
            fromOutput = kind == ActivationKind.SIGMOID || kind == ActivationKind.TANH;
            this.fused = fused;
            this.fusedOutputLayout = fusedOutputLayout;
            // A fused ReLU's backward reads its output (the convolution wrote no input for it), so its forward
            // descriptor, the backward's hint, is the use-dst variant.
            forwardPd = eltwise(fused ? dnnl.algorithm.eltwise_relu_use_dst_for_bwd : algorithm, dims, alpha, beta);
            forward = call(name, () -> owner.own(new eltwise_forward(forwardPd)));
            if (kind == ActivationKind.HARD_SIGMOID) {
                eltwise_forward.primitive_desc l = eltwise(dnnl.algorithm.eltwise_linear, dims, op.alpha(), op.beta());
                linear = call(name, () -> owner.own(new eltwise_forward(l)));
                eltwise_forward.primitive_desc s = eltwise(dnnl.algorithm.eltwise_linear, dims, op.alpha(), 0);
                gradientScale = call(name, () -> owner.own(new eltwise_forward(s)));
            } else {
                linear = null;
                gradientScale = null;
            }
        }

        /**
         * oneDNN 2.5's hardswish backward passes nothing at x = -3, where torch (and {@link ActivationKind}) take
         * x/3 + 1/2 = -1/2; so this one derivative runs in Java on the host copies, the rest of the op on oneDNN.
         */
        private memory hardSwishBackward(OneDnnPass pass, memory gradient) {
            compiled.context.synchronize();
            int n = Math.toIntExact(Arrays.stream(dims).reduce(1, (a, b) -> a * b));
            float[] g = OneDnnContext.read(gradient, n);
            float[] x = OneDnnContext.read(pass.value(op.input()), n);
            for (int i = 0; i < n; i++) {
                double v = x[i];
                g[i] = v < -3 ? 0 : v <= 3 ? (float) (g[i] * (v / 3 + 0.5)) : g[i];
            }
            memory gx = pass.tempLike(op.input());
            OneDnnContext.write(gx, g);
            return gx;
        }

        /** A oneDNN eltwise algorithm and its two parameters. */
        private record Eltwise(dnnl.algorithm algorithm, double alpha, double beta) {
        }

        @Override
        void forward(OneDnnPass pass) {
            if (fused) {
                return;
            }
            memory x = pass.value(op.input());
            memory y = pass.allocate(op.output());
            if (linear != null) {
                memory t = pass.tempLike(op.input());
                pass.saved.put(op, t);
                execute(linear, args(DNNL_ARG_SRC, x, DNNL_ARG_DST, t));
                x = t;
            }
            execute(forward, args(DNNL_ARG_SRC, x, DNNL_ARG_DST, y));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (op.kind() == ActivationKind.HARD_SWISH) {
                return hardSwishBackward(pass, gradient);
            }
            if (backward == null) {
                backward = fused ? eltwiseBackward(forwardPd, dnnl.algorithm.eltwise_relu_use_dst_for_bwd, dims,
                        fusedOutputLayout != null ? fusedOutputLayout : plain(dims), 0, 0)
                        : eltwiseBackward(forwardPd, algorithm, dims, plain(dims), alpha, beta);
            }
            memory g = gradient;
            if (guided && op.kind() == ActivationKind.RELU) {
                g = pass.tempLike(op.output());
                execute(forward, args(DNNL_ARG_SRC, gradient, DNNL_ARG_DST, g));
            }
            memory data = fromOutput || fused ? pass.value(op.output()) : linear != null ? pass.saved.get(op) : pass.value(op.input());
            memory gx = pass.tempLike(op.input());
            execute(backward, args(fromOutput || fused ? DNNL_ARG_DST : DNNL_ARG_SRC, data, DNNL_ARG_DIFF_DST, g, DNNL_ARG_DIFF_SRC, gx));
            if (gradientScale != null) {
                execute(gradientScale, args(DNNL_ARG_SRC, gx, DNNL_ARG_DST, gx));
            }
            return gx;
        }
    }

    /**
     * Windowed and global pooling on oneDNN's pooling primitive. Max pooling keeps its forward workspace for the
     * backward pass; global sum is a global average scaled by the pixel count.
     */
    static final class Pooling extends OpKernel {
        private final Op op;
        private final int input;
        private final int output;
        private final memory.desc src;
        private final memory.desc dst;
        private final dnnl.algorithm algorithm;
        private final long[] strides;
        private final long[] kernel;
        private final long[] dilation;
        private final long[] padL;
        private final long[] padR;
        private final pooling_v2_forward.primitive_desc forwardPd;
        private final primitive forward;
        /** Max pooling's workspace (where the maxima were), or null for average pooling. */
        private final memory.desc workspaceDesc;
        /** Global sum's scaling by the pixel count, or null. */
        private final primitive scale;
        private primitive backward;

        Pooling(OneDnnCompiledPlan compiled, Op.Pool2d op, int batch) {
            super(compiled, op, batch, "pooling");
            this.op = op;
            input = op.input();
            output = op.output();
            src = plain(input);
            dst = plain(output);
            Window w = op.window();
            algorithm = switch (op.kind()) {
                case MAX -> dnnl.algorithm.pooling_max;
                case AVG -> op.countPadding() ? dnnl.algorithm.pooling_avg_include_padding : dnnl.algorithm.pooling_avg_exclude_padding;
                case SUM -> throw new UnsupportedLayerException(op.layer(), "Pool2d SUM", "is not supported by the oneDNN executor");
            };
            strides = new long[] {w.strideH(), w.strideW()};
            kernel = new long[] {w.kernelH(), w.kernelW()};
            dilation = new long[] {w.dilationH() - 1, w.dilationW() - 1};
            padL = new long[] {w.padding().top(), w.padding().left()};
            padR = new long[] {w.padding().bottom(), w.padding().right()};
            forwardPd = forwardPd();
            forward = call(name, () -> owner.own(new pooling_v2_forward(forwardPd)));
            workspaceDesc = workspace();
            scale = null;
        }

        Pooling(OneDnnCompiledPlan compiled, Op.GlobalPool op, int batch) {
            super(compiled, op, batch, "global pooling");
            this.op = op;
            input = op.input();
            output = op.output();
            TensorInfo x = plan.tensor(input);
            src = plain(input);
            dst = plain(batch, x.channels(), 1, 1);
            algorithm = op.kind() == PoolKind.MAX ? dnnl.algorithm.pooling_max : dnnl.algorithm.pooling_avg_include_padding;
            strides = new long[] {1, 1};
            kernel = new long[] {x.height(), x.width()};
            dilation = new long[] {0, 0};
            padL = new long[] {0, 0};
            padR = new long[] {0, 0};
            forwardPd = forwardPd();
            forward = call(name, () -> owner.own(new pooling_v2_forward(forwardPd)));
            workspaceDesc = workspace();
            if (op.kind() == PoolKind.SUM) {
                eltwise_forward.primitive_desc s = eltwise(dnnl.algorithm.eltwise_linear, new long[] {batch, x.channels(), 1, 1},
                        x.height() * x.width(), 0);
                scale = call(name, () -> owner.own(new eltwise_forward(s)));
            } else {
                scale = null;
            }
        }

        private memory.desc workspace() {
            return algorithm == dnnl.algorithm.pooling_max ? call(name, () -> owner.own(forwardPd.workspace_desc())) : null;
        }

        private pooling_v2_forward.primitive_desc forwardPd() {
            return call(name + " forward", () -> {
                pooling_v2_forward.desc d = owner.own(new pooling_v2_forward.desc(dnnl.prop_kind.forward_training, algorithm, src, dst,
                        strides, kernel, dilation, padL, padR));
                return owner.own(new pooling_v2_forward.primitive_desc(d, compiled.context.engine));
            });
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.view(pass.allocate(output), dst);
            memory workspace = null;
            if (workspaceDesc != null) {
                workspace = pass.temp(workspaceDesc);
                pass.saved.put(op, workspace);
            }
            execute(forward, args(DNNL_ARG_SRC, pass.value(input), DNNL_ARG_DST, y, DNNL_ARG_WORKSPACE, workspace));
            if (scale != null) {
                execute(scale, args(DNNL_ARG_SRC, y, DNNL_ARG_DST, y));
            }
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                backward = call(name + " backward", () -> {
                    pooling_v2_backward.desc d = owner.own(new pooling_v2_backward.desc(algorithm, src, dst, strides, kernel, dilation, padL, padR));
                    return owner.own(new pooling_v2_backward(owner.own(new pooling_v2_backward.primitive_desc(d, compiled.context.engine,
                            forwardPd))));
                });
            }
            memory g = pass.view(gradient, dst);
            if (scale != null) {
                memory scaled = pass.temp(dst);
                execute(scale, args(DNNL_ARG_SRC, g, DNNL_ARG_DST, scaled));
                g = scaled;
            }
            memory gx = pass.temp(src);
            execute(backward, args(DNNL_ARG_DIFF_DST, g, DNNL_ARG_WORKSPACE, pass.saved.get(op), DNNL_ARG_DIFF_SRC, gx));
            return gx;
        }
    }

    /** Zero padding as a reorder into the interior of a zeroed output; its backward reorders the interior back out. */
    static final class ZeroPad extends OpKernel {
        private final Op.ZeroPad op;
        private final memory.desc interior;
        private final primitive in;
        private final primitive out;
        private final long bytes;

        ZeroPad(OneDnnCompiledPlan compiled, Op.ZeroPad op, int batch) {
            super(compiled, op, batch, "zero padding");
            this.op = op;
            long[] x = dims(op.input());
            memory.desc padded = plain(op.output());
            interior = call(name, () -> owner.own(padded.submemory_desc(x, new long[] {0, 0, op.padding().top(), op.padding().left()})));
            memory.desc src = plain(op.input());
            in = reorder(src, interior);
            out = reorder(interior, src);
            bytes = 4L * batch * plan.tensor(op.output()).size();
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            OneDnnContext.zero(y, bytes);
            execute(in, args(DNNL_ARG_FROM, pass.value(op.input()), DNNL_ARG_TO, pass.view(y, interior)));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            memory gx = pass.tempLike(op.input());
            execute(out, args(DNNL_ARG_FROM, pass.view(gradient, interior), DNNL_ARG_TO, gx));
            return gx;
        }
    }

    /** The same plain values under another shape: a view, forward and backward. */
    static final class Reshape extends OpKernel {
        private final Op.Reshape op;

        Reshape(OneDnnCompiledPlan compiled, Op.Reshape op, int batch) {
            super(compiled, op, batch, "reshape");
            this.op = op;
        }

        @Override
        void forward(OneDnnPass pass) {
            pass.setValue(op.output(), pass.view(pass.value(op.input()), pass.desc(op.output())));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            return pass.view(gradient, pass.desc(op.input()));
        }
    }

    /** A sum of two or more tensors as binary adds; each source's gradient is the output's. */
    static final class Add extends OpKernel {
        private final Op.Add op;
        private final primitive add;

        Add(OneDnnCompiledPlan compiled, Op.Add op, int batch) {
            super(compiled, op, batch, "add");
            this.op = op;
            add = adder(compiled, dims(op.output()));
        }

        @Override
        void forward(OneDnnPass pass) {
            int[] sources = op.sources();
            memory y = pass.allocate(op.output());
            execute(add, args(DNNL_ARG_SRC_0, pass.value(sources[0]), DNNL_ARG_SRC_1, pass.value(sources[1]), DNNL_ARG_DST, y));
            for (int k = 2; k < sources.length; k++) {
                execute(add, args(DNNL_ARG_SRC_0, y, DNNL_ARG_SRC_1, pass.value(sources[k]), DNNL_ARG_DST, y));
            }
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            return gradient;
        }
    }

    /**
     * {@code y = a * b} with {@code b} the same shape or one value per channel, as binary multiplies; b's gradient
     * under broadcast is {@code g * a} summed over the pixels (a reduction).
     */
    static final class Multiply extends OpKernel {
        private final Op.Multiply op;
        private final boolean broadcast;
        private final memory.desc bDesc;
        private final primitive multiply;
        private final primitive sameShapeMultiply;
        private final primitive pixelSum;

        Multiply(OneDnnCompiledPlan compiled, Op.Multiply op, int batch) {
            super(compiled, op, batch, "multiply");
            this.op = op;
            TensorInfo a = plan.tensor(op.a());
            broadcast = plan.tensor(op.b()).size() != a.size();
            long[] aDims = dims(op.a());
            long[] bDims = broadcast ? new long[] {batch, a.channels(), 1, 1} : aDims;
            if (broadcast && (!a.isSpatial() || plan.tensor(op.b()).size() != a.channels())) {
                throw new UnsupportedLayerException(op.layer(), "Multiply", "broadcasts a shape the oneDNN executor does not support");
            }
            bDesc = plain(bDims);
            multiply = binaryPrimitive(compiled, dnnl.algorithm.binary_mul, aDims, bDims);
            sameShapeMultiply = binaryPrimitive(compiled, dnnl.algorithm.binary_mul, aDims, aDims);
            pixelSum = broadcast ? call(name + " reduction", () -> {
                reduction.desc d = owner.own(new reduction.desc(dnnl.algorithm.reduction_sum, plain(aDims), bDesc, 0f, 0f));
                return owner.own(new reduction(owner.own(new reduction.primitive_desc(d, compiled.context.engine))));
            }) : null;
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            execute(multiply, args(DNNL_ARG_SRC_0, pass.value(op.a()), DNNL_ARG_SRC_1, pass.view(pass.value(op.b()), bDesc), DNNL_ARG_DST, y));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (source == 0) {
                memory ga = pass.tempLike(op.a());
                execute(multiply, args(DNNL_ARG_SRC_0, gradient, DNNL_ARG_SRC_1, pass.view(pass.value(op.b()), bDesc), DNNL_ARG_DST, ga));
                return ga;
            }
            memory product = pass.tempLike(op.a());
            execute(sameShapeMultiply, args(DNNL_ARG_SRC_0, gradient, DNNL_ARG_SRC_1, pass.value(op.a()), DNNL_ARG_DST, product));
            if (!broadcast) {
                return product;
            }
            memory gb = pass.temp(bDesc);
            execute(pixelSum, args(DNNL_ARG_SRC, product, DNNL_ARG_DST, gb));
            return pass.view(gb, pass.desc(op.b()));
        }
    }

    /** Channel concatenation as reorders into the output's channel ranges; the backward reorders each range out. */
    static final class Concat extends OpKernel {
        private final Op.Concat op;
        private final memory.desc[] parts;
        private final primitive[] in;
        private final primitive[] out;

        Concat(OneDnnCompiledPlan compiled, Op.Concat op, int batch) {
            super(compiled, op, batch, "concat");
            this.op = op;
            int[] sources = op.sources();
            memory.desc whole = plain(op.output());
            parts = new memory.desc[sources.length];
            in = new primitive[sources.length];
            out = new primitive[sources.length];
            long channel = 0;
            for (int k = 0; k < sources.length; k++) {
                long[] d = dims(sources[k]);
                long[] offsets = new long[d.length];
                offsets[1] = channel;
                memory.desc part = call(name, () -> owner.own(whole.submemory_desc(d, offsets)));
                parts[k] = part;
                memory.desc src = plain(d);
                in[k] = reorder(src, part);
                out[k] = reorder(part, src);
                channel += d[1];
            }
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            int[] sources = op.sources();
            for (int k = 0; k < sources.length; k++) {
                execute(in[k], args(DNNL_ARG_FROM, pass.value(sources[k]), DNNL_ARG_TO, pass.view(y, parts[k])));
            }
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            memory gx = pass.tempLike(op.sources()[source]);
            execute(out[source], args(DNNL_ARG_FROM, pass.view(gradient, parts[source]), DNNL_ARG_TO, gx));
            return gx;
        }
    }
}
