package dev.heed.toolkit.engine.plan;

import java.util.Arrays;

/**
 * One step of a plan: reads tensors by id, writes exactly one new tensor. {@code layer} names the source layer the op
 * came from (one DL4J layer may give several ops, for example a convolution and its activation), for error messages
 * and profiles. Ops carry only what the maths needs; fusing them (BatchNorm or an activation into a convolution's
 * epilogue) is each executor's business.
 *
 * <p>All ops work on the whole batch; shapes below leave out the batch dimension, as {@link TensorInfo} does.
 */
public sealed interface Op {
    String layer();

    int[] inputs();

    int output();

    /**
     * {@code y[o] = bias[o] + sum_i weight[o][i] x[i]}. Input {@code [in]}, output {@code [out]}; {@code weight} is
     * {@code [out][in]} row-major (oneDNN's {@code oi}, ONNX Gemm with {@code transB}); {@code bias} is {@code [out]} or
     * null. A transformer's input {@code [tokens, in]} is transformed row by row into {@code [tokens, out]}.
     */
    record Dense(String layer, int input, int output, Weights weight, Weights bias) implements Op {
        public int inFeatures() {
            return weight.shape()[1];
        }

        public int outFeatures() {
            return weight.shape()[0];
        }

        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * Cross-correlation, as DL4J, PyTorch and ONNX define "convolution":
     * {@code y[o][i][j] = bias[o] + sum_{c,u,v} weight[o][c][u][v] x[g*inG + c][i*sh - padTop + u*dh][j*sw - padLeft + v*dw]},
     * with zeros outside the input, where output channel {@code o} is in group {@code g = o / outG}: the channels split
     * into {@code groups} equal groups ({@code inG = in / groups}, {@code outG = out / groups}) and each output channel
     * sees only its group's inputs. {@code groups = 1} is the ordinary convolution, {@code groups = in} a depthwise one.
     * {@code weight} is {@code [out][in / groups][kh][kw]} (OIHW, as ONNX and torch), {@code bias} {@code [out]} or null.
     */
    record Conv2d(String layer, int input, int output, Window window, Weights weight, Weights bias, int groups) implements Op {
        /** An ungrouped convolution. */
        public Conv2d(String layer, int input, int output, Window window, Weights weight, Weights bias) {
            this(layer, input, output, window, weight, bias, 1);
        }

        public int inChannels() {
            return weight.shape()[1] * groups;
        }

        /** The input channels each output channel sees: {@code in / groups}. */
        public int inChannelsPerGroup() {
            return weight.shape()[1];
        }

        public int outChannels() {
            return weight.shape()[0];
        }

        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * {@code y[c] = scale[c] x[c] + shift[c]} per channel (rank 3, over every pixel) or per feature (rank 1): BatchNorm in
     * inference form, {@code scale = gamma / sqrt(var + eps)}, {@code shift = beta - mean * scale}.
     */
    record ChannelAffine(String layer, int input, int output, Weights scale, Weights shift) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * An element-wise function with up to two parameters: {@code alpha} is the negative slope of {@link
     * ActivationKind#LEAKY_RELU}, the minimum of {@link ActivationKind#CLIP} and the slope of {@link
     * ActivationKind#HARD_SIGMOID}; {@code beta} is CLIP's maximum and HARD_SIGMOID's offset. Unused ones are 0.
     */
    record Activation(String layer, int input, int output, ActivationKind kind, double alpha, double beta) implements Op {
        /** A kind with at most one parameter. */
        public Activation(String layer, int input, int output, ActivationKind kind, double alpha) {
            this(layer, input, output, kind, alpha, 0);
        }

        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * Max or average over each window. Padded positions never win a max. An average divides by the kernel area when
     * {@code countPadding}, otherwise by the number of window positions inside the input.
     */
    record Pool2d(String layer, int input, int output, PoolKind kind, Window window, boolean countPadding) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /** Max, average or sum over all pixels of each channel: {@code [c, h, w] -> [c]}, or {@code [c, 1, 1]} when the output is rank 3. */
    record GlobalPool(String layer, int input, int output, PoolKind kind) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /** Zeros around each channel's image. */
    record ZeroPad(String layer, int input, int output, Padding padding) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /** A new shape over the same row-major values (DL4J's CNN-to-dense flattening is channel-major, 'c' order). */
    record Reshape(String layer, int input, int output) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /** Element-wise sum of two or more tensors of one shape. */
    record Add(String layer, int[] sources, int output) implements Op {
        public Add {
            sources = sources.clone();
        }

        @Override
        public int[] inputs() {
            return sources.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Add a && a.layer.equals(layer) && Arrays.equals(a.sources, sources) && a.output == output;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sources) * 31 + output;
        }

        @Override
        public String toString() {
            return "Add[" + layer + ", " + Arrays.toString(sources) + " -> " + output + "]";
        }
    }

    /**
     * Element-wise product {@code y = a * b}, where {@code b} has {@code a}'s shape or is one value per channel
     * ({@code [c, 1, 1]} against {@code [c, h, w]}), broadcast over the pixels: squeeze-and-excitation's gating and SiLU's
     * {@code x * sigmoid(x)}. Both operands are tensors, so the backward pass gives a gradient to each.
     */
    record Multiply(String layer, int a, int b, int output) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {a, b};
        }
    }

    /** Concatenation along the channel (or feature) axis, in source order; spatial sizes must agree. */
    record Concat(String layer, int[] sources, int output) implements Op {
        public Concat {
            sources = sources.clone();
        }

        @Override
        public int[] inputs() {
            return sources.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Concat c && c.layer.equals(layer) && Arrays.equals(c.sources, sources) && c.output == output;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sources) * 31 + output;
        }

        @Override
        public String toString() {
            return "Concat[" + layer + ", " + Arrays.toString(sources) + " -> " + output + "]";
        }
    }

    // ---- transformer encoders (ViT, BERT/MiniLM); shapes leave out the batch, as everywhere ----

    /** A tensor that is the same for every sample (a class token, position embeddings): no inputs, no gradient. */
    record Constant(String layer, int output, Weights value) implements Op {
        @Override
        public int[] inputs() {
            return new int[0];
        }
    }

    /**
     * Embedding lookup: {@code y[t] = table[ids[t]]}, ids {@code [tokens]} held as float32 (exact up to 2^24), table
     * {@code [rows][dim]}, output {@code [tokens, dim]}. The ids get no gradient.
     */
    record Gather(String layer, int ids, int output, Weights table) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {ids};
        }
    }

    /**
     * {@code y = scale * op(a) op(b)} over the last two axes, batched over the leading ones (one product per head):
     * {@code op(a)} is {@code [M, K]} ({@code a} stored {@code [K, M]} when {@code transposeA}), {@code op(b)} is
     * {@code [K, N]} ({@code b} stored {@code [N, K]} when {@code transposeB}, as in {@code Q K^T}). Both operands are
     * tensors, and the backward pass gives a gradient to each.
     */
    record MatMul(String layer, int a, int b, int output, boolean transposeA, boolean transposeB, float scale) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {a, b};
        }
    }

    /**
     * Layer normalisation over the last axis: {@code y = (x - mean) / sqrt(var + eps) * gain + bias}, the biased
     * variance, {@code gain} and {@code bias} of the last axis' length.
     */
    record LayerNorm(String layer, int input, int output, Weights gain, Weights bias, double eps) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * Softmax over the last axis. {@code mask} is -1, or a tensor {@code [keys]} (the last axis' length) per sample whose
     * zero entries exclude those keys, which then get probability exactly 0: what adding a large negative number to
     * their scores gives (BERT's padding mask).
     */
    record Softmax(String layer, int input, int mask, int output) implements Op {
        public boolean masked() {
            return mask >= 0;
        }

        @Override
        public int[] inputs() {
            return mask >= 0 ? new int[] {input, mask} : new int[] {input};
        }
    }

    /** Permutes the per-sample axes: output axis {@code i} is input axis {@code permutation[i]} (heads in and out). */
    record Transpose(String layer, int input, int output, int[] permutation) implements Op {
        public Transpose {
            permutation = permutation.clone();
        }

        @Override
        public int[] permutation() {
            return permutation.clone();
        }

        @Override
        public int[] inputs() {
            return new int[] {input};
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Transpose t && t.layer.equals(layer) && t.input == input && t.output == output
                    && Arrays.equals(t.permutation, permutation);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(permutation) * 31 + output;
        }

        @Override
        public String toString() {
            return "Transpose[" + layer + ", " + input + " " + Arrays.toString(permutation) + " -> " + output + "]";
        }
    }

    /** Entries {@code [start, start + length)} of the first per-sample axis (a ViT's class token row). */
    record Slice(String layer, int input, int output, int start, int length) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }

    /**
     * {@code y = x * gate} with a gate of ones of {@code x}'s shape per sample: the identity going forward, but the
     * gradient with respect to the gate, {@code dScore/dy * x}, is what class-specific attention relevance (Chefer et
     * al., on the attention probabilities) and gradient times input (on word embeddings) read. {@code PlanPass.gateGradients}
     * returns it per gate, keyed by {@code layer}.
     */
    record Gate(String layer, int input, int output) implements Op {
        @Override
        public int[] inputs() {
            return new int[] {input};
        }
    }
}
