package dev.heed.benchmarks;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.util.SplittableRandom;

/**
 * torchvision's ResNet-50 (v1.5: stride on the 3x3 convolution of each bottleneck) as an explanation plan, with
 * weights drawn from a seed: He-normal convolutions, BatchNorm folded to a near-identity affine, a small dense head.
 * The arithmetic is torchvision's (4.09 GMAC per 224x224 image), not DL4J's zoo ResNet-50 (1.18 GMAC), so that speed
 * is compared with torch and pytorch-grad-cam on the same work. No weight file travels: the seed is the model.
 */
public final class TorchvisionResNet50Plan {
    /** The capture point Grad-CAM uses, torchvision's {@code layer4[-1]}: the last bottleneck's output, 2048 x 7 x 7. */
    public static final String LAST_BLOCK = "layer4.2";

    private final PlanBuilder b;
    private final SplittableRandom random;

    private TorchvisionResNet50Plan(int size, long seed) {
        b = new PlanBuilder(3, size, size);
        random = new SplittableRandom(seed);
    }

    /** The plan for {@code size x size} RGB inputs (224 for ImageNet), 1000 classes. */
    public static Plan build(int size, long seed) {
        return new TorchvisionResNet50Plan(size, seed).network();
    }

    private Plan network() {
        int x = conv("conv1", b.input(), 3, 64, 7, 2, 3);
        x = bnRelu("bn1", x, 64, true);
        x = b.pool2d("maxpool", x, PoolKind.MAX, new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 1, 1)), false);
        int[] blocks = {3, 4, 6, 3};
        int[] widths = {64, 128, 256, 512};
        int channels = 64;
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = block == 0 && stage > 0 ? 2 : 1;
                String name = "layer" + (stage + 1) + "." + block;
                x = bottleneck(name, x, channels, widths[stage], stride);
                channels = widths[stage] * 4;
                b.capture(name, x);
            }
        }
        x = b.globalPool("avgpool", x, PoolKind.AVG, false);
        int logits = b.dense("fc", x, normal(1000 * 2048, Math.sqrt(1.0 / 2048), 1000, 2048), normal(1000, 0.01, 1000));
        return b.build(logits);
    }

    private int bottleneck(String name, int in, int inChannels, int width, int stride) {
        int y = conv(name + ".conv1", in, inChannels, width, 1, 1, 0);
        y = bnRelu(name + ".bn1", y, width, true);
        y = conv(name + ".conv2", y, width, width, 3, stride, 1);
        y = bnRelu(name + ".bn2", y, width, true);
        y = conv(name + ".conv3", y, width, width * 4, 1, 1, 0);
        y = bnRelu(name + ".bn3", y, width * 4, false);
        int shortcut = in;
        if (stride != 1 || inChannels != width * 4) {
            shortcut = conv(name + ".downsample.0", in, inChannels, width * 4, 1, stride, 0);
            shortcut = bnRelu(name + ".downsample.1", shortcut, width * 4, false);
        }
        int sum = b.add(name + ".add", y, shortcut);
        return b.activation(name + ".relu", sum, ActivationKind.RELU, 0);
    }

    private int conv(String name, int in, int inChannels, int outChannels, int kernel, int stride, int pad) {
        Window window = new Window(kernel, kernel, stride, stride, 1, 1, new Padding(pad, pad, pad, pad));
        return b.conv2d(name, in, window, normal(outChannels * inChannels * kernel * kernel, Math.sqrt(2.0 / (inChannels * kernel * kernel)),
                outChannels, inChannels, kernel, kernel), null);
    }

    /** Inference BatchNorm as its folded affine (scale near 1, shift near 0), then ReLU where the block has one. */
    private int bnRelu(String name, int in, int channels, boolean relu) {
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = (float) (1 + 0.1 * random.nextGaussian());
            shift[c] = (float) (0.1 * random.nextGaussian());
        }
        int y = b.channelAffine(name, in, new Weights(scale, channels), new Weights(shift, channels));
        return relu ? b.activation(name + ".relu", y, ActivationKind.RELU, 0) : y;
    }

    private Weights normal(int n, double sigma, int... shape) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (sigma * random.nextGaussian());
        }
        return new Weights(v, shape);
    }
}
