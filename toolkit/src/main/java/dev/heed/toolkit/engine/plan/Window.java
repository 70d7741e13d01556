package dev.heed.toolkit.engine.plan;

/**
 * The sliding window of a convolution or pooling op: kernel, stride, dilation and explicit padding. The output size
 * along each axis is {@code floor((in + padBefore + padAfter - ((k - 1) * d + 1)) / s) + 1}, with no further rounding:
 * the compiler has already chosen the padding that gives the source framework's output size.
 */
public record Window(int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW, Padding padding) {
    public Window {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("window sizes must be positive: kernel " + kernelH + "x" + kernelW + ", stride "
                    + strideH + "x" + strideW + ", dilation " + dilationH + "x" + dilationW);
        }
    }

    public int outputHeight(int inputHeight) {
        return outputSize(inputHeight, padding.top() + padding.bottom(), kernelH, strideH, dilationH);
    }

    public int outputWidth(int inputWidth) {
        return outputSize(inputWidth, padding.left() + padding.right(), kernelW, strideW, dilationW);
    }

    private static int outputSize(int in, int pad, int kernel, int stride, int dilation) {
        int span = in + pad - ((kernel - 1) * dilation + 1);
        if (span < 0) {
            throw new IllegalArgumentException("the window (kernel " + kernel + ", dilation " + dilation + ") is larger than the padded input " + (in + pad));
        }
        return span / stride + 1;
    }
}
