package dev.heed.toolkit.engine.onednn;

import static dev.heed.toolkit.engine.onednn.OneDnnContext.call;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.Weights;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.layer_normalization_backward;
import org.bytedeco.dnnl.layer_normalization_forward;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.softmax_backward;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.javacpp.LongPointer;

/**
 * The transformer ops on oneDNN: {@code matmul} (per head, transposes as strided views, the score scale as an output
 * scale) for matrix products and for dense layers on {@code [tokens, in]}, {@code layer_normalization} and
 * {@code softmax} forward and backward-data (a padding mask is added to the scores first, as {@code -1e9} per masked
 * key, which makes its probability exactly zero as the reference's exclusion does), transposes and slices as reorders.
 * GELU is the {@code eltwise_gelu_erf} of {@link OpKernel.Activation}. Data movement that oneDNN has no primitive for
 * (embedding gathers, constants, the padding mask's additive form) runs on the host copies; it is a small part of the
 * work.
 */
final class TransformerKernels {
    private TransformerKernels() {
    }

    /** The kernel of a transformer op, or null when {@code op} is not one (a dense layer on a flat input is not). */
    static OpKernel build(OneDnnCompiledPlan compiled, Op op, int batch) {
        if (op instanceof Op.Dense d && compiled.plan.tensor(d.input()).rank() == 2) {
            return new RowDense(compiled, d, batch);
        } else if (op instanceof Op.MatMul m) {
            return new MatMul(compiled, m, batch);
        } else if (op instanceof Op.LayerNorm l) {
            return new LayerNorm(compiled, l, batch);
        } else if (op instanceof Op.Softmax s) {
            return new Softmax(compiled, s, batch);
        } else if (op instanceof Op.Transpose t) {
            return new Transpose(compiled, t, batch);
        } else if (op instanceof Op.Slice s) {
            return new Slice(compiled, s, batch);
        } else if (op instanceof Op.Gate g) {
            return new Gate(compiled, g, batch);
        } else if (op instanceof Op.Constant c) {
            return new Constant(compiled, c, batch);
        } else if (op instanceof Op.Gather g) {
            return new Gather(compiled, g, batch);
        }
        return null;
    }

    static memory.desc strided(NativeOwner owner, long[] dims, long[] strides) {
        return call("strided descriptor", () -> owner.own(new memory.desc(new LongPointer(dims), memory.data_type.f32, new LongPointer(strides))));
    }

    /** {@code [count, rows, cols]} of a row-major {@code [rows][cols]} matrix per product, or of its transpose when stored {@code [cols][rows]}. */
    static memory.desc matrix(NativeOwner owner, long count, long rows, long cols, boolean transposed) {
        return transposed ? strided(owner, new long[] {count, rows, cols}, new long[] {rows * cols, 1, rows})
                : strided(owner, new long[] {count, rows, cols}, new long[] {rows * cols, cols, 1});
    }

    /** One {@code matmul}: {@code c = scale op(x) op(y)}, {@code count} products of {@code [m, k] x [k, n]}. */
    static final class Gemm {
        final memory.desc x;
        final memory.desc y;
        final memory.desc c;
        final primitive primitive;

        Gemm(OpKernel kernel, boolean tx, boolean ty, long count, long m, long n, long k, float scale) {
            NativeOwner owner = kernel.owner;
            x = matrix(owner, count, m, k, tx);
            y = matrix(owner, count, k, n, ty);
            c = matrix(owner, count, m, n, false);
            primitive = call(kernel.name + " matmul", () -> {
                matmul.desc d = owner.own(new matmul.desc(x, y, c));
                matmul.primitive_desc pd;
                if (scale != 1f) {
                    primitive_attr attr = owner.own(new primitive_attr());
                    attr.set_output_scales(0, new float[] {scale});
                    pd = owner.own(new matmul.primitive_desc(d, attr, kernel.compiled.context.engine));
                } else {
                    pd = owner.own(new matmul.primitive_desc(d, kernel.compiled.context.engine));
                }
                return owner.own(new matmul(pd));
            });
        }

        void run(OpKernel kernel, OneDnnPass pass, memory a, memory b, memory out) {
            kernel.execute(primitive, OpKernel.args(DNNL_ARG_SRC, pass.view(a, x), DNNL_ARG_WEIGHTS, pass.view(b, y), DNNL_ARG_DST, pass.view(out, c)));
        }
    }

    /** {@code y = x W^T + b} row by row, as a 2-D matmul over {@code [batch * tokens, in]}; backward-data {@code g W}. */
    static final class RowDense extends OpKernel {
        private final Op.Dense op;
        private final long rows;
        private final memory.desc src;
        private final memory.desc weightT;
        private final memory.desc biasRow;
        private final memory.desc dst;
        private final primitive forward;
        private final memory weight;
        private final memory bias;
        private Gemm backward;

        RowDense(OneDnnCompiledPlan compiled, Op.Dense op, int batch) {
            super(compiled, op, batch, "dense");
            this.op = op;
            long in = op.inFeatures();
            long out = op.outFeatures();
            rows = (long) batch * compiled.plan.tensor(op.input()).shape()[0];
            src = plain(rows, in);
            dst = plain(rows, out);
            // the plan's [out][in] weight read as [in, out]
            weightT = strided(owner, new long[] {in, out}, new long[] {1, in});
            biasRow = plain(1, out);
            memory[] w = compiled.weights(op, null);
            weight = compiled.context.view(owner, w[0], weightT);
            bias = w[1] == null ? null : compiled.context.view(owner, w[1], biasRow);
            forward = call(name + " matmul", () -> {
                matmul.desc d = owner.own(bias == null ? new matmul.desc(src, weightT, dst) : new matmul.desc(src, weightT, biasRow, dst));
                return owner.own(new matmul(owner.own(new matmul.primitive_desc(d, compiled.context.engine))));
            });
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            execute(forward, args(DNNL_ARG_SRC, pass.view(pass.value(op.input()), src), DNNL_ARG_WEIGHTS, weight, DNNL_ARG_BIAS, bias,
                    DNNL_ARG_DST, pass.view(y, dst)));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                backward = new Gemm(this, false, false, 1, rows, op.inFeatures(), op.outFeatures(), 1f);
            }
            memory gx = pass.tempLike(op.input());
            backward.run(this, pass, gradient, compiled.weights(op, null)[0], gx);
            return gx;
        }
    }

    /** {@code scale op(a) op(b)} per head; the backward pass is two more products per operand as the reference's. */
    static final class MatMul extends OpKernel {
        private final Op.MatMul op;
        private final long count;
        private final long m;
        private final long n;
        private final long k;
        private final Gemm forward;
        private Gemm backwardA;
        private Gemm backwardB;

        MatMul(OneDnnCompiledPlan compiled, Op.MatMul op, int batch) {
            super(compiled, op, batch, "matmul");
            this.op = op;
            int[] a = compiled.plan.tensor(op.a()).shape();
            int[] y = compiled.plan.tensor(op.output()).shape();
            int r = y.length;
            m = y[r - 2];
            n = y[r - 1];
            k = op.transposeA() ? a[r - 2] : a[r - 1];
            count = (long) batch * compiled.plan.tensor(op.output()).size() / (m * n);
            forward = new Gemm(this, op.transposeA(), op.transposeB(), count, m, n, k, op.scale());
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            forward.run(this, pass, pass.value(op.a()), pass.value(op.b()), y);
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            boolean ta = op.transposeA();
            boolean tb = op.transposeB();
            float s = op.scale();
            if (source == 0) {
                memory ga = pass.tempLike(op.a());
                if (backwardA == null) {
                    backwardA = ta ? new Gemm(this, tb, true, count, k, m, n, s) : new Gemm(this, false, !tb, count, m, k, n, s);
                }
                if (ta) {
                    backwardA.run(this, pass, pass.value(op.b()), gradient, ga);
                } else {
                    backwardA.run(this, pass, gradient, pass.value(op.b()), ga);
                }
                return ga;
            }
            memory gb = pass.tempLike(op.b());
            if (backwardB == null) {
                backwardB = tb ? new Gemm(this, true, ta, count, n, k, m, s) : new Gemm(this, !ta, false, count, k, n, m, s);
            }
            if (tb) {
                backwardB.run(this, pass, gradient, pass.value(op.a()), gb);
            } else {
                backwardB.run(this, pass, pass.value(op.a()), gradient, gb);
            }
            return gb;
        }
    }

    /**
     * Layer normalisation over the last axis of {@code [rows, width]}; mean and variance kept for the backward pass.
     * oneDNN 2.5 has no backward-data with scale and shift, and its full backward computes their gradients, which the
     * engine never does; so the backward pass multiplies the gradient by the gain ({@code binary_mul}) and runs the
     * scale-free backward-data.
     */
    static final class LayerNorm extends OpKernel {
        private final Op.LayerNorm op;
        private final memory.desc data;
        private final layer_normalization_forward.primitive_desc forwardPd;
        private final primitive forward;
        private final memory scaleShift;
        private final Object meanKey = new Object();
        private final Object varianceKey = new Object();
        private final long width;
        private final long rows;
        private primitive backward;
        private primitive timesGain;
        private memory gain;

        LayerNorm(OneDnnCompiledPlan compiled, Op.LayerNorm op, int batch) {
            super(compiled, op, batch, "layer norm");
            this.op = op;
            TensorInfo x = compiled.plan.tensor(op.input());
            width = x.lastDim();
            rows = (long) batch * x.size() / width;
            data = plain(rows, width);
            forwardPd = call(name, () -> {
                layer_normalization_forward.desc d = owner.own(new layer_normalization_forward.desc(dnnl.prop_kind.forward_training, data,
                        (float) op.eps(), dnnl.normalization_flags.use_scale_shift));
                return owner.own(new layer_normalization_forward.primitive_desc(d, compiled.context.engine));
            });
            forward = call(name, () -> owner.own(new layer_normalization_forward(forwardPd)));
            float[] ss = new float[(int) (2 * width)];
            System.arraycopy(op.gain().toArray(), 0, ss, 0, (int) width);
            System.arraycopy(op.bias().toArray(), 0, ss, (int) width, (int) width);
            scaleShift = compiled.context.allocate(owner, plain(2, width));
            OneDnnContext.write(scaleShift, ss);
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            memory mean = pass.temp(owner.own(forwardPd.mean_desc()));
            memory variance = pass.temp(owner.own(forwardPd.variance_desc()));
            pass.saved.put(meanKey, mean);
            pass.saved.put(varianceKey, variance);
            execute(forward, args(DNNL_ARG_SRC, pass.view(pass.value(op.input()), data), DNNL_ARG_DST, pass.view(y, data), DNNL_ARG_MEAN, mean,
                    DNNL_ARG_VARIANCE, variance, DNNL_ARG_SCALE_SHIFT, scaleShift));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                backward = call(name + " backward-data", () -> {
                    layer_normalization_forward.primitive_desc hint = owner.own(new layer_normalization_forward.primitive_desc(owner.own(
                            new layer_normalization_forward.desc(dnnl.prop_kind.forward_training, data, (float) op.eps(), dnnl.normalization_flags.none)),
                            compiled.context.engine));
                    layer_normalization_backward.desc d = owner.own(new layer_normalization_backward.desc(dnnl.prop_kind.backward_data, data, data,
                            (float) op.eps(), dnnl.normalization_flags.none));
                    return owner.own(new layer_normalization_backward(owner.own(
                            new layer_normalization_backward.primitive_desc(d, compiled.context.engine, hint))));
                });
                timesGain = OpKernel.binaryPrimitive(compiled, dnnl.algorithm.binary_mul, new long[] {rows, width}, new long[] {1, width});
                gain = compiled.context.allocate(owner, plain(1, width));
                OneDnnContext.write(gain, op.gain().toArray());
            }
            memory scaled = pass.temp(data);
            execute(timesGain, args(DNNL_ARG_SRC_0, pass.view(gradient, data), DNNL_ARG_SRC_1, gain, DNNL_ARG_DST, scaled));
            memory gx = pass.tempLike(op.input());
            execute(backward, args(DNNL_ARG_SRC, pass.view(pass.value(op.input()), data), DNNL_ARG_MEAN, pass.saved.get(meanKey),
                    DNNL_ARG_VARIANCE, pass.saved.get(varianceKey), DNNL_ARG_DIFF_DST, scaled, DNNL_ARG_DIFF_SRC, pass.view(gx, data)));
            return gx;
        }
    }

    /** Softmax over the last axis of {@code [rows, width]}, after adding the mask's {@code -1e9} per padded key. */
    static final class Softmax extends OpKernel {
        /** What the SameDiff graph adds to a padded key's score. */
        private static final float MASKED = -1e9f;
        private final Op.Softmax op;
        private final long width;
        private final long rowsPerSample;
        private final memory.desc data;
        private final softmax_forward.primitive_desc forwardPd;
        private final primitive forward;
        private final primitive maskAdd;
        private final memory.desc scores3;
        private final memory.desc mask3;
        private primitive backward;

        Softmax(OneDnnCompiledPlan compiled, Op.Softmax op, int batch) {
            super(compiled, op, batch, "softmax");
            this.op = op;
            TensorInfo x = compiled.plan.tensor(op.input());
            width = x.lastDim();
            rowsPerSample = x.size() / width;
            data = plain(batch * rowsPerSample, width);
            forwardPd = call(name, () -> owner.own(new softmax_forward.primitive_desc(owner.own(
                    new softmax_forward.desc(dnnl.prop_kind.forward_training, data, 1)), compiled.context.engine)));
            forward = call(name, () -> owner.own(new softmax_forward(forwardPd)));
            if (op.masked()) {
                scores3 = OneDnnContext.plainAny(owner, batch, rowsPerSample, width);
                mask3 = OneDnnContext.plainAny(owner, batch, 1, width);
                maskAdd = binaryPrimitive3(compiled, batch, rowsPerSample, width);
            } else {
                scores3 = null;
                mask3 = null;
                maskAdd = null;
            }
        }

        private static primitive binaryPrimitive3(OneDnnCompiledPlan compiled, long batch, long rows, long width) {
            return compiled.shared("masked scores " + batch + "x" + rows + "x" + width, () -> call("binary add", () -> {
                NativeOwner o = compiled.owner;
                org.bytedeco.dnnl.binary.desc d = o.own(new org.bytedeco.dnnl.binary.desc(dnnl.algorithm.binary_add,
                        OneDnnContext.plainAny(o, batch, rows, width), OneDnnContext.plainAny(o, batch, 1, width),
                        OneDnnContext.plainAny(o, batch, rows, width)));
                return o.own(new org.bytedeco.dnnl.binary(o.own(new org.bytedeco.dnnl.binary.primitive_desc(d, compiled.context.engine))));
            }));
        }

        @Override
        void forward(OneDnnPass pass) {
            memory x = pass.value(op.input());
            if (op.masked()) {
                compiled.context.synchronize();
                float[] mask = OneDnnContext.read(pass.value(op.mask()), (int) (batch * width));
                float[] additive = new float[mask.length];
                for (int i = 0; i < mask.length; i++) {
                    additive[i] = mask[i] != 0 ? 0f : MASKED;
                }
                memory add = pass.temp(mask3);
                OneDnnContext.write(add, additive);
                memory masked = pass.temp(scores3);
                execute(maskAdd, args(DNNL_ARG_SRC_0, pass.view(x, scores3), DNNL_ARG_SRC_1, add, DNNL_ARG_DST, masked));
                x = masked;
            }
            memory y = pass.allocate(op.output());
            execute(forward, args(DNNL_ARG_SRC, pass.view(x, data), DNNL_ARG_DST, pass.view(y, data)));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            if (backward == null) {
                backward = call(name + " backward-data", () -> owner.own(new softmax_backward(owner.own(new softmax_backward.primitive_desc(
                        owner.own(new softmax_backward.desc(data, data, 1)), compiled.context.engine, forwardPd)))));
            }
            memory gx = pass.tempLike(op.input());
            execute(backward, args(DNNL_ARG_DST, pass.view(pass.value(op.output()), data), DNNL_ARG_DIFF_DST, pass.view(gradient, data),
                    DNNL_ARG_DIFF_SRC, pass.view(gx, data)));
            return gx;
        }
    }

    /** A reorder from the input read through permuted strides into a plain output, and back for the gradient. */
    static final class Transpose extends OpKernel {
        private final Op.Transpose op;
        private final memory.desc permutedInput;
        private final memory.desc plainOutput;
        private final primitive forward;
        private final primitive backward;

        Transpose(OneDnnCompiledPlan compiled, Op.Transpose op, int batch) {
            super(compiled, op, batch, "transpose");
            this.op = op;
            int[] in = compiled.plan.tensor(op.input()).shape();
            int[] perm = op.permutation();
            long[] inStrides = new long[in.length];
            long stride = 1;
            for (int i = in.length - 1; i >= 0; i--) {
                inStrides[i] = stride;
                stride *= in[i];
            }
            long[] outDims = dims(op.output());
            long[] strides = new long[outDims.length];
            strides[0] = stride;
            for (int i = 0; i < perm.length; i++) {
                strides[i + 1] = inStrides[perm[i]];
            }
            permutedInput = strided(owner, outDims, strides);
            plainOutput = OneDnnContext.plainAny(owner, outDims);
            forward = reorder(permutedInput, plainOutput);
            backward = reorder(plainOutput, permutedInput);
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            execute(forward, args(DNNL_ARG_FROM, pass.view(pass.value(op.input()), permutedInput), DNNL_ARG_TO, pass.view(y, plainOutput)));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            memory gx = pass.tempLike(op.input());
            execute(backward, args(DNNL_ARG_FROM, pass.view(gradient, plainOutput), DNNL_ARG_TO, pass.view(gx, permutedInput)));
            return gx;
        }
    }

    /** Rows {@code [start, start + length)} of each sample, as a reorder from a sub-memory; the gradient goes back into zeros. */
    static final class Slice extends OpKernel {
        private final Op.Slice op;
        private final memory.desc part;
        private final memory.desc plainOutput;
        private final primitive forward;
        private final primitive backward;
        private final long inputBytes;

        Slice(OneDnnCompiledPlan compiled, Op.Slice op, int batch) {
            super(compiled, op, batch, "slice");
            this.op = op;
            long[] in = dims(op.input());
            long[] out = dims(op.output());
            long[] offsets = new long[in.length];
            offsets[1] = op.start();
            memory.desc whole = OneDnnContext.plainAny(owner, in);
            part = call(name, () -> owner.own(whole.submemory_desc(out, offsets)));
            plainOutput = OneDnnContext.plainAny(owner, out);
            forward = reorder(part, plainOutput);
            backward = reorder(plainOutput, part);
            inputBytes = 4L * batch * compiled.plan.tensor(op.input()).size();
        }

        @Override
        void forward(OneDnnPass pass) {
            memory y = pass.allocate(op.output());
            execute(forward, args(DNNL_ARG_FROM, pass.view(pass.value(op.input()), part), DNNL_ARG_TO, pass.view(y, plainOutput)));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            memory gx = pass.tempLike(op.input());
            OneDnnContext.zero(gx, inputBytes);
            execute(backward, args(DNNL_ARG_FROM, pass.view(gradient, plainOutput), DNNL_ARG_TO, pass.view(gx, part)));
            return gx;
        }
    }

    /** The identity going forward (the output aliases the input); the gate's own gradient is the pass's business. */
    static final class Gate extends OpKernel {
        private final Op.Gate op;

        Gate(OneDnnCompiledPlan compiled, Op.Gate op, int batch) {
            super(compiled, op, batch, "gate");
            this.op = op;
        }

        @Override
        void forward(OneDnnPass pass) {
            pass.setValue(op.output(), pass.value(op.input()));
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            return gradient;
        }
    }

    /** A per-sample constant written once per pass for the whole batch. */
    static final class Constant extends OpKernel {
        private final Op.Constant op;
        private final float[] batched;

        Constant(OneDnnCompiledPlan compiled, Op.Constant op, int batch) {
            super(compiled, op, batch, "constant");
            this.op = op;
            float[] value = op.value().toArray();
            batched = new float[value.length * batch];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(value, 0, batched, i * value.length, value.length);
            }
        }

        @Override
        void forward(OneDnnPass pass) {
            OneDnnContext.write(pass.allocate(op.output()), batched);
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            throw new IllegalStateException("a constant has no inputs");
        }
    }

    /** Embedding rows picked by id, copied on the host from the plan's table (no copy of the table is made). */
    static final class Gather extends OpKernel {
        private final Op.Gather op;

        Gather(OneDnnCompiledPlan compiled, Op.Gather op, int batch) {
            super(compiled, op, batch, "gather");
            this.op = op;
        }

        @Override
        void forward(OneDnnPass pass) {
            compiled.context.synchronize();
            Weights table = op.table();
            int rows = table.shape()[0];
            int dim = table.shape()[1];
            int tokens = compiled.plan.tensor(op.ids()).size();
            float[] ids = OneDnnContext.read(pass.value(op.ids()), batch * tokens);
            float[] y = new float[ids.length * dim];
            for (int t = 0; t < ids.length; t++) {
                int id = Math.round(ids[t]);
                if (id < 0 || id >= rows || id != ids[t]) {
                    throw new IllegalArgumentException("layer '" + op.layer() + "': id " + ids[t] + " is not a row of its " + rows + "-row table");
                }
                for (int j = 0; j < dim; j++) {
                    y[t * dim + j] = table.get(id * dim + j);
                }
            }
            OneDnnContext.write(pass.allocate(op.output()), y);
        }

        @Override
        memory backward(OneDnnPass pass, int source, memory gradient, boolean guided) {
            throw new IllegalStateException("token ids get no gradient");
        }
    }
}
