package dev.heed.kernels;

/**
 * Typed launches of the model-pass kernels ({@code engine.cu}): what a CUDA executor of an explanation plan calls, one
 * method per kernel. Shapes are checked here, in Java, against the buffers' sizes before anything reaches the device,
 * so a mistake is an {@link IllegalArgumentException} naming the shapes, never a read past an allocation. Layouts:
 * activations {@code [n][c][h][w]}, convolution weights {@code [co][ci][kh][kw]}, row-major matrices, float32.
 * Each call waits for its kernel (as {@link CudaDevice#launch} does).
 */
public final class EngineKernels {
    private static final int THREADS = 256;
    private static final int TILE = 64;

    /**
     * The element-wise activations the kernels fuse; codes as in {@code engine.cu}. Parameters: {@code slope} is leaky
     * ReLU's negative slope, CLIP's minimum and HARD_SIGMOID's slope; {@code beta} CLIP's maximum and HARD_SIGMOID's
     * offset. HARD_SWISH's derivative needs its input, not its output ({@link #activationBackwardFromInput}).
     */
    public enum Activation {
        IDENTITY(0), RELU(1), LEAKY_RELU(2), SIGMOID(3), TANH(4), CLIP(5), HARD_SIGMOID(6), HARD_SWISH(7);

        final int code;

        Activation(int code) {
            this.code = code;
        }

        /** Whether the derivative follows from the forward output, as {@link #channelAffineBackward} needs. */
        public boolean gradientFromOutput() {
            return this != HARD_SWISH;
        }
    }

    /** The pooling a window computes; codes as in {@code engine.cu}. */
    public enum Pooling {
        /** The window's largest value; padding never wins. */
        MAX(0),
        /** The mean over the window's taps that fall inside the input. */
        AVERAGE_INSIDE(1),
        /** The mean over all the window's taps, padding counted as zeros. */
        AVERAGE_ALL(2);

        final int code;

        Pooling(int code) {
            this.code = code;
        }
    }

    /** What a global pooling computes over each plane; codes as in {@code engine.cu}. */
    public enum GlobalPooling {
        MAX(0), AVERAGE(1), SUM(2);

        final int code;

        GlobalPooling(int code) {
            this.code = code;
        }
    }

    /**
     * A 2-D convolution's geometry. {@code padTop}/{@code padLeft} are the padding before the first row and column;
     * padding after the last follows from the output size (Same padding's odd extra row goes at the bottom).
     * {@code groups} splits both channel counts into equal groups (weights {@code [co][ci / groups][kh][kw]});
     * {@code groups = inChannels} is a depthwise convolution.
     */
    public record Conv2d(int batch, int inChannels, int height, int width, int outChannels, int outHeight, int outWidth, int kernelHeight,
                         int kernelWidth, int strideY, int strideX, int padTop, int padLeft, int dilationY, int dilationX, int groups) {
        public Conv2d {
            if (batch < 1 || inChannels < 1 || height < 1 || width < 1 || outChannels < 1 || outHeight < 1 || outWidth < 1
                    || kernelHeight < 1 || kernelWidth < 1 || strideY < 1 || strideX < 1 || padTop < 0 || padLeft < 0
                    || dilationY < 1 || dilationX < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0
                    || groups > 65535) {
                throw new IllegalArgumentException("invalid convolution " + this);
            }
            // the last window must start inside the padded input
            if ((long) (outHeight - 1) * strideY - padTop >= height || (long) (outWidth - 1) * strideX - padLeft >= width) {
                throw new IllegalArgumentException("output " + outHeight + "x" + outWidth + " reads past the input in " + this);
            }
        }

        /** An ungrouped convolution. */
        public Conv2d(int batch, int inChannels, int height, int width, int outChannels, int outHeight, int outWidth, int kernelHeight,
                      int kernelWidth, int strideY, int strideX, int padTop, int padLeft, int dilationY, int dilationX) {
            this(batch, inChannels, height, width, outChannels, outHeight, outWidth, kernelHeight, kernelWidth, strideY, strideX, padTop,
                    padLeft, dilationY, dilationX, 1);
        }

        long inputElements() {
            return (long) batch * inChannels * height * width;
        }

        long outputElements() {
            return (long) batch * outChannels * outHeight * outWidth;
        }

        long weightElements() {
            return (long) outChannels * (inChannels / groups) * kernelHeight * kernelWidth;
        }
    }

    /** A 2-D pooling's geometry over {@code planes = n * c} planes. */
    public record Pool2d(int planes, int height, int width, int outHeight, int outWidth, int kernelHeight, int kernelWidth, int strideY,
                         int strideX, int padTop, int padLeft) {
        public Pool2d {
            if (planes < 1 || height < 1 || width < 1 || outHeight < 1 || outWidth < 1 || kernelHeight < 1 || kernelWidth < 1 || strideY < 1
                    || strideX < 1 || padTop < 0 || padLeft < 0 || padTop >= kernelHeight || padLeft >= kernelWidth) {
                throw new IllegalArgumentException("invalid pooling " + this);
            }
        }

        long inputElements() {
            return (long) planes * height * width;
        }

        long outputElements() {
            return (long) planes * outHeight * outWidth;
        }
    }

    /** How the GEMM-shaped kernels (dense layers, convolutions and their input gradients) multiply. */
    public enum Precision {
        /** Exact FP32 on the CUDA cores: the default, and what parity is checked in. */
        FP32(""),
        /** Operands rounded to TF32 (10-bit mantissa) on the tensor cores, FP32 accumulation; sm_80 and newer. */
        TF32("_tf32");

        final String suffix;

        Precision(String suffix) {
            this.suffix = suffix;
        }
    }

    private final CudaDevice device;
    private final Precision precision;

    public EngineKernels(CudaDevice device) {
        this(device, Precision.FP32);
    }

    /** Refuses TF32 on a device older than sm_80 (see {@link #requireSupported}). */
    public EngineKernels(CudaDevice device, Precision precision) {
        requireSupported(device, precision);
        this.device = device;
        this.precision = precision;
    }

    /** TF32 needs sm_80 or newer, whose cores have it; below, the kernels would trap. */
    public static void requireSupported(CudaDevice device, Precision precision) {
        if (precision == Precision.TF32 && device.capability() < 80) {
            throw new IllegalArgumentException("TF32 needs compute capability 8.0 or newer; " + device.name() + " has "
                    + device.capability() / 10 + "." + device.capability() % 10);
        }
    }

    public Precision precision() {
        return precision;
    }

    /**
     * {@code c = activation(a b + bias)}, or {@code c += } that: {@code A(m, k) = a[m*aRow + k*aCol]}, {@code B(k, n) =
     * b[k*bRow + n*bCol]}, {@code c} row-major {@code [m][n]}. {@code bias} (nullable) has one value per row or per column.
     */
    public void gemm(DeviceBuffer a, long aRow, long aCol, DeviceBuffer b, long bRow, long bCol, DeviceBuffer c, int m, int n, int k,
                     DeviceBuffer bias, boolean biasPerRow, Activation activation, float slope, boolean accumulate) {
        String shapes = "gemm " + m + "x" + n + "x" + k;
        if (m < 1 || n < 1 || k < 1 || aRow < 0 || aCol < 0 || bRow < 0 || bCol < 0) {
            throw new IllegalArgumentException("invalid " + shapes + " with strides " + aRow + "," + aCol + " and " + bRow + "," + bCol);
        }
        requireFloats(a, (m - 1) * aRow + (k - 1) * aCol + 1, "A", shapes);
        requireFloats(b, (k - 1) * bRow + (n - 1) * bCol + 1, "B", shapes);
        requireFloats(c, (long) m * n, "C", shapes);
        if (bias != null) {
            requireFloats(bias, biasPerRow ? m : n, "bias", shapes);
        }
        device.launch("engine_gemm" + precision.suffix, tiles(n, m), block(), 0, new KernelArguments().pointer(a).int64(aRow).int64(aCol).pointer(b)
                .int64(bRow).int64(bCol).pointer(c).int64(n).int32(m).int32(n).int32(k).pointer(bias).int32(biasPerRow ? 1 : 0)
                .int32(activation.code).float32(slope).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code y = activation(scale * conv(x, w) + shift)} per output channel; {@code scale} and {@code shift} nullable. */
    public void conv2dForward(Conv2d s, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer scale, DeviceBuffer shift,
                              Activation activation, float slope) {
        conv2dForward(s, x, w, y, scale, shift, activation, slope, 0);
    }

    /** As above, with the activation's second parameter {@code beta} (see {@link Activation}). */
    public void conv2dForward(Conv2d s, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer scale, DeviceBuffer shift,
                              Activation activation, float slope, float beta) {
        String shapes = s.toString();
        requireFloats(x, s.inputElements(), "input", shapes);
        requireFloats(w, s.weightElements(), "weights", shapes);
        requireFloats(y, s.outputElements(), "output", shapes);
        if (scale != null) {
            requireFloats(scale, s.outChannels(), "scale", shapes);
        }
        if (shift != null) {
            requireFloats(shift, s.outChannels(), "shift", shapes);
        }
        device.launch("engine_conv2d_forward" + precision.suffix, groupTiles((long) s.batch() * s.outHeight() * s.outWidth(),
                        s.outChannels() / s.groups(), s.groups()), block(), 0,
                geometry(new KernelArguments().pointer(x).pointer(w).pointer(y), s).int32(s.groups()).pointer(scale).pointer(shift)
                        .int32(activation.code).float32(slope).float32(beta), shapes);
    }

    /** {@code dx (+)= conv^T(dy, w)}: the convolution's input gradient. */
    public void conv2dBackwardData(Conv2d s, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, boolean accumulate) {
        String shapes = s.toString();
        requireFloats(dy, s.outputElements(), "output gradient", shapes);
        requireFloats(w, s.weightElements(), "weights", shapes);
        requireFloats(dx, s.inputElements(), "input gradient", shapes);
        device.launch("engine_conv2d_backward_data" + precision.suffix, groupTiles((long) s.batch() * s.height() * s.width(),
                        s.inChannels() / s.groups(), s.groups()), block(), 0,
                geometry(new KernelArguments().pointer(dy).pointer(w).pointer(dx), s).int32(s.groups()).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code y = activation(x * scale[c] + shift[c])} over {@code [n][channels][plane]}; scale and shift nullable; y may be x. */
    public void channelAffine(DeviceBuffer x, DeviceBuffer y, long total, int channels, int plane, DeviceBuffer scale, DeviceBuffer shift,
                              Activation activation, float slope) {
        channelAffine(x, y, total, channels, plane, scale, shift, activation, slope, 0);
    }

    /** As above, with the activation's second parameter {@code beta} (see {@link Activation}). */
    public void channelAffine(DeviceBuffer x, DeviceBuffer y, long total, int channels, int plane, DeviceBuffer scale, DeviceBuffer shift,
                              Activation activation, float slope, float beta) {
        String shapes = "affine " + total + " over " + channels + "x" + plane;
        checkChannels(total, channels, plane, shapes);
        requireFloats(x, total, "input", shapes);
        requireFloats(y, total, "output", shapes);
        if (scale != null) {
            requireFloats(scale, channels, "scale", shapes);
        }
        if (shift != null) {
            requireFloats(shift, channels, "shift", shapes);
        }
        device.launch("engine_channel_affine", grid(total), block(), 0, new KernelArguments().pointer(x).pointer(y).int64(total).int32(channels)
                .int32(plane).pointer(scale).pointer(shift).int32(activation.code).float32(slope).float32(beta), shapes);
    }

    /**
     * {@code dx (+)= scale[c] * activation'(y) * dy}, from the forward output {@code y}; {@code guided} passes only positive
     * gradients through ReLUs (guided backpropagation). scale nullable; dx may be dy when not accumulating.
     */
    public void channelAffineBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, long total, int channels, int plane, DeviceBuffer scale,
                                      Activation activation, float slope, boolean guided, boolean accumulate) {
        channelAffineBackward(y, dy, dx, total, channels, plane, scale, activation, slope, 0, guided, accumulate);
    }

    /** As above, with the activation's second parameter {@code beta}; refuses HARD_SWISH, whose derivative needs its input. */
    public void channelAffineBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, long total, int channels, int plane, DeviceBuffer scale,
                                      Activation activation, float slope, float beta, boolean guided, boolean accumulate) {
        String shapes = "affine backward " + total + " over " + channels + "x" + plane;
        if (!activation.gradientFromOutput()) {
            throw new IllegalArgumentException(activation + "'s derivative does not follow from its output; use activationBackwardFromInput");
        }
        checkChannels(total, channels, plane, shapes);
        requireFloats(y, total, "forward output", shapes);
        requireFloats(dy, total, "output gradient", shapes);
        requireFloats(dx, total, "input gradient", shapes);
        if (scale != null) {
            requireFloats(scale, channels, "scale", shapes);
        }
        device.launch("engine_channel_affine_backward", grid(total), block(), 0, new KernelArguments().pointer(y).pointer(dy).pointer(dx)
                .int64(total).int32(channels).int32(plane).pointer(scale).int32(activation.code).float32(slope).float32(beta)
                .int32(guided ? 1 : 0).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code dx (+)= activation'(x) * dy} from the activation's input {@code x}: any activation, and the only way for HARD_SWISH. */
    public void activationBackwardFromInput(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, long total, Activation activation, float slope,
                                            float beta, boolean guided, boolean accumulate) {
        String shapes = activation + " backward " + total;
        if (total < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(x, total, "forward input", shapes);
        requireFloats(dy, total, "output gradient", shapes);
        requireFloats(dx, total, "input gradient", shapes);
        device.launch("engine_activation_backward_input", grid(total), block(), 0, new KernelArguments().pointer(x).pointer(dy).pointer(dx)
                .int64(total).int32(activation.code).float32(slope).float32(beta).int32(guided ? 1 : 0).int32(accumulate ? 1 : 0), shapes);
    }

    /**
     * {@code out (+)= a * b[i / repeat]}: {@code b} holds {@code total / repeat} values, each repeated over a run of
     * {@code repeat} of a's (1: tensors of one shape; a plane: one factor per channel plane). Also the gradient of either
     * factor where the other is repeated, or both when {@code repeat = 1}.
     */
    public void multiply(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, long total, int repeat, boolean accumulate) {
        String shapes = "multiply " + total + " by runs of " + repeat;
        if (total < 1 || repeat < 1 || total % repeat != 0) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(a, total, "a", shapes);
        requireFloats(b, total / repeat, "b", shapes);
        requireFloats(out, total, "out", shapes);
        device.launch("engine_multiply", grid(total), block(), 0, new KernelArguments().pointer(a).pointer(b).pointer(out).int64(total)
                .int32(repeat).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code db[p] (+)= sum_k a[p][k] dy[p][k]} over {@code [planes][plane]}: the gradient of a per-plane factor. */
    public void multiplyReduce(DeviceBuffer a, DeviceBuffer dy, DeviceBuffer db, int planes, int plane, boolean accumulate) {
        String shapes = "multiply reduce " + planes + "x" + plane;
        if (planes < 1 || plane < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(a, (long) planes * plane, "a", shapes);
        requireFloats(dy, (long) planes * plane, "output gradient", shapes);
        requireFloats(db, planes, "factor gradient", shapes);
        device.launch("engine_multiply_reduce", new int[] {planes, 1, 1}, block(), THREADS * Float.BYTES, new KernelArguments().pointer(a)
                .pointer(dy).pointer(db).int32(plane).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code out = a + b}, element-wise; out may be a or b. */
    public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, long total) {
        String shapes = "add " + total;
        requireFloats(a, total, "a", shapes);
        requireFloats(b, total, "b", shapes);
        requireFloats(out, total, "out", shapes);
        device.launch("engine_add", grid(total), block(), 0, new KernelArguments().pointer(a).pointer(b).pointer(out).int64(total), shapes);
    }

    /** {@code target (+)= source}, element-wise. */
    public void copy(DeviceBuffer source, DeviceBuffer target, long total, boolean accumulate) {
        String shapes = "copy " + total;
        requireFloats(source, total, "source", shapes);
        requireFloats(target, total, "target", shapes);
        device.launch("engine_copy", grid(total), block(), 0, new KernelArguments().pointer(source).pointer(target).int64(total)
                .int32(accumulate ? 1 : 0), shapes);
    }

    /** 2-D pooling; for {@link Pooling#MAX} {@code argmax} (int32, one per output) receives each window's choice. */
    public void pool2dForward(Pool2d s, Pooling pooling, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax) {
        String shapes = pooling + " " + s;
        requireFloats(x, s.inputElements(), "input", shapes);
        requireFloats(y, s.outputElements(), "output", shapes);
        if (pooling == Pooling.MAX) {
            requireFloats(argmax, s.outputElements(), "argmax", shapes);
        }
        device.launch("engine_pool2d_forward", grid(s.outputElements()), block(), 0, poolGeometry(new KernelArguments().pointer(x).pointer(y)
                .pointer(argmax), s).int32(pooling.code), shapes);
    }

    /** The pooling's input gradient, gathered per input pixel (deterministic); {@code argmax} from the forward pass for MAX. */
    public void pool2dBackward(Pool2d s, Pooling pooling, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, boolean accumulate) {
        String shapes = pooling + " backward " + s;
        requireFloats(dy, s.outputElements(), "output gradient", shapes);
        requireFloats(dx, s.inputElements(), "input gradient", shapes);
        if (pooling == Pooling.MAX) {
            requireFloats(argmax, s.outputElements(), "argmax", shapes);
        }
        device.launch("engine_pool2d_backward", grid(s.inputElements()), block(), 0, poolGeometry(new KernelArguments().pointer(dy)
                .pointer(argmax).pointer(dx), s).int32(pooling.code).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code [planes][plane] -> [planes]}: max (with argmax, ties to the lowest index), average or sum. */
    public void globalPoolForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int planes, int plane, GlobalPooling pooling) {
        boolean max = pooling == GlobalPooling.MAX;
        String shapes = "global " + pooling + " " + planes + "x" + plane;
        if (planes < 1 || plane < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(x, (long) planes * plane, "input", shapes);
        requireFloats(y, planes, "output", shapes);
        if (max) {
            requireFloats(argmax, planes, "argmax", shapes);
        }
        device.launch("engine_global_pool_forward", new int[] {planes, 1, 1}, block(), 2 * THREADS * Float.BYTES,
                new KernelArguments().pointer(x).pointer(y).pointer(argmax).int32(plane).int32(pooling.code), shapes);
    }

    /** The global pooling's input gradient. */
    public void globalPoolBackward(DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int planes, int plane, GlobalPooling pooling,
                                   boolean accumulate) {
        boolean max = pooling == GlobalPooling.MAX;
        String shapes = "global " + pooling + " backward " + planes + "x" + plane;
        requireFloats(dy, planes, "output gradient", shapes);
        requireFloats(dx, (long) planes * plane, "input gradient", shapes);
        if (max) {
            requireFloats(argmax, planes, "argmax", shapes);
        }
        device.launch("engine_global_pool_backward", grid((long) planes * plane), block(), 0, new KernelArguments().pointer(dy).pointer(argmax)
                .pointer(dx).int64(planes).int32(plane).int32(pooling.code).int32(accumulate ? 1 : 0), shapes);
    }

    /** The largest grid z (and y) a launch may have. */
    static final int MAX_GRID_Z = 65535;

    /**
     * Batched {@code C_z = alpha A_z B_z}, {@code z < batches}, where z splits as {@code (z / inner, z % inner)}:
     * {@code A_z(m, k) = a[(z / inner) * aOuter + (z % inner) * aInner + m*aRow + k*aCol]}, likewise B and C (row
     * stride ldc), so that per-head matrices inside {@code [batch][tokens][heads * dim]} are strided views. In this
     * facade's precision: TF32 runs the tile on the tensor cores, as the dense and convolution kernels.
     */
    public void gemmBatched(DeviceBuffer a, long[] aStrides, DeviceBuffer b, long[] bStrides, DeviceBuffer c, long ldc, long cOuter,
                            long cInner, int batches, int inner, int m, int n, int k, float alpha) {
        String shapes = "batched gemm " + batches + " x " + m + "x" + n + "x" + k;
        if (aStrides.length != 4 || bStrides.length != 4 || batches < 1 || inner < 1 || batches % inner != 0 || m < 1 || n < 1 || k < 1
                || inner > MAX_GRID_Z) {
            throw new IllegalArgumentException("invalid " + shapes + " (strides: row, column, outer, inner; batches a multiple of inner, inner <= "
                    + MAX_GRID_Z + ")");
        }
        long outer = batches / inner - 1;
        requireFloats(a, outer * aStrides[2] + (inner - 1) * aStrides[3] + (m - 1) * aStrides[0] + (k - 1) * aStrides[1] + 1, "A", shapes);
        requireFloats(b, outer * bStrides[2] + (inner - 1) * bStrides[3] + (k - 1) * bStrides[0] + (n - 1) * bStrides[1] + 1, "B", shapes);
        requireFloats(c, outer * cOuter + (inner - 1) * cInner + (m - 1) * ldc + n, "C", shapes);
        // the grid's z holds at most 65535 matrices: more (a text batch of thousands x 12 heads) launch in slices of whole
        // outer groups, each slice's operands offset by its first outer index
        int perLaunch = (MAX_GRID_Z / inner) * inner;
        for (int first = 0; first < batches; first += perLaunch) {
            long outerOffset = first / inner;
            int[] grid = tiles(n, m);
            grid[2] = Math.min(perLaunch, batches - first);
            device.launch("engine_gemm_batched" + precision.suffix, grid, block(), 0, new KernelArguments().pointerAt(a, 4 * outerOffset * aStrides[2])
                    .int64(aStrides[0]).int64(aStrides[1]).int64(aStrides[2]).int64(aStrides[3]).pointerAt(b, 4 * outerOffset * bStrides[2])
                    .int64(bStrides[0]).int64(bStrides[1]).int64(bStrides[2]).int64(bStrides[3]).pointerAt(c, 4 * outerOffset * cOuter)
                    .int64(ldc).int64(cOuter).int64(cInner).int32(inner).int32(m).int32(n).int32(k).float32(alpha), shapes);
        }
    }

    /** Layer norm per row of {@code [rows][cols]}; each row's mean and 1/sqrt(var + eps) go to {@code stats [rows][2]}. */
    public void layerNorm(DeviceBuffer x, DeviceBuffer y, DeviceBuffer stats, int rows, int cols, DeviceBuffer gamma, DeviceBuffer beta, float eps) {
        String shapes = "layer norm " + rows + "x" + cols;
        checkRows(rows, cols, shapes);
        requireFloats(x, (long) rows * cols, "input", shapes);
        requireFloats(y, (long) rows * cols, "output", shapes);
        requireFloats(stats, 2L * rows, "stats", shapes);
        requireFloats(gamma, cols, "gamma", shapes);
        requireFloats(beta, cols, "beta", shapes);
        device.launch("engine_layer_norm", new int[] {rows, 1, 1}, block(), THREADS * Float.BYTES, new KernelArguments().pointer(x).pointer(y)
                .pointer(stats).int32(cols).pointer(gamma).pointer(beta).float32(eps), shapes);
    }

    /** The layer norm's input gradient, from its input and the forward pass's stats. */
    public void layerNormBackward(DeviceBuffer x, DeviceBuffer stats, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols, DeviceBuffer gamma,
                                  boolean accumulate) {
        String shapes = "layer norm backward " + rows + "x" + cols;
        checkRows(rows, cols, shapes);
        requireFloats(x, (long) rows * cols, "input", shapes);
        requireFloats(stats, 2L * rows, "stats", shapes);
        requireFloats(dy, (long) rows * cols, "output gradient", shapes);
        requireFloats(dx, (long) rows * cols, "input gradient", shapes);
        requireFloats(gamma, cols, "gamma", shapes);
        device.launch("engine_layer_norm_backward", new int[] {rows, 1, 1}, block(), THREADS * Float.BYTES, new KernelArguments().pointer(x)
                .pointer(stats).pointer(dy).pointer(dx).int32(cols).pointer(gamma).int32(accumulate ? 1 : 0), shapes);
    }

    /** {@code y = softmax(x + bias)} per row; bias (nullable, e.g. a key mask of 0 and -inf) is {@code [rows / rowsPerBias][cols]}. */
    public void softmaxRows(DeviceBuffer x, DeviceBuffer y, int rows, int cols, DeviceBuffer bias, int rowsPerBias) {
        String shapes = "softmax " + rows + "x" + cols;
        checkRows(rows, cols, shapes);
        requireFloats(x, (long) rows * cols, "input", shapes);
        requireFloats(y, (long) rows * cols, "output", shapes);
        if (bias != null) {
            if (rowsPerBias < 1 || rows % rowsPerBias != 0) {
                throw new IllegalArgumentException("rowsPerBias " + rowsPerBias + " does not divide the rows of " + shapes);
            }
            requireFloats(bias, (long) rows / rowsPerBias * cols, "bias", shapes);
        }
        device.launch("engine_softmax_rows", new int[] {rows, 1, 1}, block(), THREADS * Float.BYTES, new KernelArguments().pointer(x).pointer(y)
                .int32(cols).pointer(bias).int32(Math.max(1, rowsPerBias)), shapes);
    }

    /** The softmax's input gradient from its output. */
    public void softmaxRowsBackward(DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int rows, int cols) {
        String shapes = "softmax backward " + rows + "x" + cols;
        checkRows(rows, cols, shapes);
        requireFloats(y, (long) rows * cols, "output", shapes);
        requireFloats(dy, (long) rows * cols, "output gradient", shapes);
        requireFloats(dx, (long) rows * cols, "input gradient", shapes);
        device.launch("engine_softmax_rows_backward", new int[] {rows, 1, 1}, block(), THREADS * Float.BYTES, new KernelArguments().pointer(y)
                .pointer(dy).pointer(dx).int32(cols), shapes);
    }

    /** Exact GELU, {@code y = x Phi(x)}. */
    public void gelu(DeviceBuffer x, DeviceBuffer y, long total) {
        String shapes = "gelu " + total;
        requireFloats(x, total, "input", shapes);
        requireFloats(y, total, "output", shapes);
        device.launch("engine_gelu", grid(total), block(), 0, new KernelArguments().pointer(x).pointer(y).int64(total), shapes);
    }

    /** GELU's input gradient from its input. */
    public void geluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, long total) {
        String shapes = "gelu backward " + total;
        requireFloats(x, total, "input", shapes);
        requireFloats(dy, total, "output gradient", shapes);
        requireFloats(dx, total, "input gradient", shapes);
        device.launch("engine_gelu_backward", grid(total), block(), 0, new KernelArguments().pointer(x).pointer(dy).pointer(dx).int64(total), shapes);
    }

    /** {@code out[r] (+)= table[ids[r]]} for rows of width cols; ids (int32) must lie in {@code [0, tableRows)}. */
    public void embeddingGather(DeviceBuffer ids, DeviceBuffer table, DeviceBuffer out, long rows, int cols, int tableRows, boolean accumulate) {
        String shapes = "embedding " + rows + "x" + cols + " from " + tableRows;
        if (rows < 1 || cols < 1 || tableRows < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(ids, rows, "ids", shapes);
        requireFloats(table, (long) tableRows * cols, "table", shapes);
        requireFloats(out, rows * cols, "output", shapes);
        device.launch("engine_embedding_gather", grid(rows * cols), block(), 0, new KernelArguments().pointer(ids).pointer(table).pointer(out)
                .int64(rows).int32(cols).int32(tableRows).int32(accumulate ? 1 : 0), shapes);
    }

    /** Zero padding of {@code [planes][height][width]} to {@code [planes][outHeight][outWidth]}, {@code top}/{@code left} before. */
    public void pad2d(DeviceBuffer x, DeviceBuffer y, long planes, int height, int width, int outHeight, int outWidth, int top, int left) {
        String shapes = "pad " + planes + "x" + height + "x" + width + " to " + outHeight + "x" + outWidth + " at " + top + "," + left;
        checkCrop(planes, height, width, outHeight, outWidth, top, left, shapes);
        requireFloats(x, planes * height * width, "input", shapes);
        requireFloats(y, planes * outHeight * outWidth, "output", shapes);
        device.launch("engine_pad2d", grid(planes * outHeight * outWidth), block(), 0, new KernelArguments().pointer(x).pointer(y).int64(planes)
                .int32(height).int32(width).int32(outHeight).int32(outWidth).int32(top).int32(left), shapes);
    }

    /** The padding's input gradient: {@code dx (+)=} the {@code height x width} window of dy at {@code top}/{@code left}. */
    public void crop2d(DeviceBuffer dy, DeviceBuffer dx, long planes, int height, int width, int outHeight, int outWidth, int top, int left,
                       boolean accumulate) {
        String shapes = "crop " + planes + "x" + outHeight + "x" + outWidth + " to " + height + "x" + width + " at " + top + "," + left;
        checkCrop(planes, height, width, outHeight, outWidth, top, left, shapes);
        requireFloats(dy, planes * outHeight * outWidth, "output gradient", shapes);
        requireFloats(dx, planes * height * width, "input gradient", shapes);
        device.launch("engine_crop2d", grid(planes * height * width), block(), 0, new KernelArguments().pointer(dy).pointer(dx).int64(planes)
                .int32(height).int32(width).int32(outHeight).int32(outWidth).int32(top).int32(left).int32(accumulate ? 1 : 0), shapes);
    }

    /**
     * {@code dst[n][dstOffset + c] (+)= src[n][srcOffset + c]} for {@code c < count}: a concatenation's forward, one
     * source at a time, and its backward, one slice at a time.
     */
    public void copyChannels(DeviceBuffer src, int srcChannels, int srcOffset, DeviceBuffer dst, int dstChannels, int dstOffset, int n, int count,
                             int plane, boolean accumulate) {
        String shapes = "copy " + count + " channels of " + n + "x" + srcChannels + "x" + plane + " at " + srcOffset + " to " + dstChannels
                + " at " + dstOffset;
        if (n < 1 || count < 1 || plane < 1 || srcOffset < 0 || dstOffset < 0 || srcOffset + count > srcChannels || dstOffset + count > dstChannels) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
        requireFloats(src, (long) n * srcChannels * plane, "source", shapes);
        requireFloats(dst, (long) n * dstChannels * plane, "target", shapes);
        device.launch("engine_copy_channels", grid((long) n * count * plane), block(), 0, new KernelArguments().pointer(src).pointer(dst).int32(n)
                .int32(srcChannels).int32(srcOffset).int32(dstChannels).int32(dstOffset).int32(count).int32(plane).int32(accumulate ? 1 : 0), shapes);
    }

    /**
     * {@code y[i] (+)= x[offset + sum_a index_a * strides[a]]}, {@code (index_a)} being {@code i}'s position in the
     * row-major {@code shape} (1 to 5 axes): a permutation of axes ({@code strides} the input's, in output order), a
     * slice ({@code offset}) or a broadcast (a stride of 0), as one gather into the contiguous {@code y}.
     */
    public void stridedCopy(DeviceBuffer x, long offset, int[] shape, long[] strides, DeviceBuffer y, boolean accumulate) {
        String shapes = "strided copy of " + java.util.Arrays.toString(shape) + " with strides " + java.util.Arrays.toString(strides) + " from "
                + offset;
        if (shape.length < 1 || shape.length > 5 || strides.length != shape.length || offset < 0) {
            throw new IllegalArgumentException("invalid " + shapes + " (1 to 5 axes, one stride each)");
        }
        int[] dims = {1, 1, 1, 1, 1};
        long[] steps = new long[5];
        long total = 1;
        long lastRead = offset;
        for (int a = 0; a < shape.length; a++) {
            if (shape[a] < 1 || strides[a] < 0) {
                throw new IllegalArgumentException("invalid " + shapes);
            }
            dims[5 - shape.length + a] = shape[a];
            steps[5 - shape.length + a] = strides[a];
            total *= shape[a];
            lastRead += (shape[a] - 1L) * strides[a];
        }
        requireFloats(x, lastRead + 1, "source", shapes);
        requireFloats(y, total, "target", shapes);
        device.launch("engine_strided_copy", grid(total), block(), 0, new KernelArguments().pointer(x).int64(offset).pointer(y).int64(total)
                .int32(dims[1]).int32(dims[2]).int32(dims[3]).int32(dims[4]).int64(steps[0]).int64(steps[1]).int64(steps[2]).int64(steps[3])
                .int64(steps[4]).int32(accumulate ? 1 : 0), shapes);
    }

    private static void checkCrop(long planes, int height, int width, int outHeight, int outWidth, int top, int left, String shapes) {
        if (planes < 1 || height < 1 || width < 1 || top < 0 || left < 0 || top + height > outHeight || left + width > outWidth) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
    }

    private static void checkRows(int rows, int cols, String shapes) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("invalid " + shapes);
        }
    }

    private static KernelArguments geometry(KernelArguments a, Conv2d s) {
        return a.int32(s.batch()).int32(s.inChannels()).int32(s.height()).int32(s.width()).int32(s.outChannels()).int32(s.outHeight())
                .int32(s.outWidth()).int32(s.kernelHeight()).int32(s.kernelWidth()).int32(s.strideY()).int32(s.strideX()).int32(s.padTop())
                .int32(s.padLeft()).int32(s.dilationY()).int32(s.dilationX());
    }

    private static KernelArguments poolGeometry(KernelArguments a, Pool2d s) {
        return a.int32(s.planes()).int32(s.height()).int32(s.width()).int32(s.outHeight()).int32(s.outWidth()).int32(s.kernelHeight())
                .int32(s.kernelWidth()).int32(s.strideY()).int32(s.strideX()).int32(s.padTop()).int32(s.padLeft());
    }

    private static void checkChannels(long total, int channels, int plane, String shapes) {
        if (total < 1 || channels < 1 || plane < 1 || total % ((long) channels * plane) != 0) {
            throw new IllegalArgumentException("invalid " + shapes + ": the total must be a whole number of [channels][plane] blocks");
        }
    }

    private static void requireFloats(DeviceBuffer buffer, long elements, String what, String shapes) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + " buffer missing for " + shapes);
        }
        if (buffer.bytes() < elements * Float.BYTES) {
            throw new IllegalArgumentException(what + " buffer of " + buffer.bytes() + " bytes holds fewer than " + elements
                    + " elements for " + shapes);
        }
    }

    private static int[] grid(long threads) {
        long blocks = (threads + THREADS - 1) / THREADS;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(threads + " elements exceed one launch");
        }
        return new int[] {(int) blocks, 1, 1};
    }

    private static int[] tiles(long columns, long rows) {
        long x = (columns + TILE - 1) / TILE;
        long y = (rows + TILE - 1) / TILE;
        if (x > Integer.MAX_VALUE || y > 65535) {
            throw new IllegalArgumentException(rows + "x" + columns + " exceeds one launch's grid");
        }
        return new int[] {(int) x, (int) y, 1};
    }

    /** Tiles of one group's GEMM, one grid layer (z) per group. */
    private static int[] groupTiles(long columns, long rows, int groups) {
        int[] grid = tiles(columns, rows);
        grid[2] = groups;
        return grid;
    }

    private static int[] block() {
        return new int[] {THREADS, 1, 1};
    }
}
