package dev.heed.toolkit.engine;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Padding;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.PoolKind;
import dev.heed.toolkit.engine.plan.Weights;
import dev.heed.toolkit.engine.plan.Window;
import java.util.Random;

/**
 * A hand-built plan with every op MobileNetV2/V3 and EfficientNet need, so that executors can be compared op by op:
 * a grouped convolution with a BatchNorm and ReLU6 after it (fusable), a depthwise one with channel multiplier 2, a
 * BatchNorm and hard swish (whose input the backward pass needs, so never fused), SiLU as {@code x * sigmoid(x)} (a
 * Multiply of two tensors of one shape), and squeeze-and-excitation (global average, 1x1 convolutions, hard sigmoid,
 * a per-channel Multiply). Each op's output is a capture point, named after the op.
 */
final class MobileBlockPlan {
    private MobileBlockPlan() {
    }

    static Plan build(long seed) {
        Random random = new Random(seed);
        PlanBuilder b = new PlanBuilder(4, 9, 7);
        int grouped = b.conv2d("grouped", b.input(), new Window(3, 3, 2, 2, 1, 1, new Padding(1, 1, 1, 1)), weights(random, 8, 2, 3, 3),
                weights(random, 8), 2);
        int bn1 = b.channelAffine("bn1", grouped, positive(random, 8), weights(random, 8));
        int relu6 = b.activation("relu6", bn1, ActivationKind.CLIP, 0, 6);
        int depthwise = b.conv2d("depthwise", relu6, new Window(3, 3, 1, 1, 1, 1, new Padding(1, 1, 1, 1)), weights(random, 16, 1, 3, 3),
                null, 8);
        int bn2 = b.channelAffine("bn2", depthwise, positive(random, 16), weights(random, 16));
        int swish = b.activation("hardswish", bn2, ActivationKind.HARD_SWISH, 0);
        int gate = b.activation("sigmoid", swish, ActivationKind.SIGMOID, 0);
        int silu = b.multiply("silu", swish, gate);
        int squeezed = b.globalPool("se.pool", silu, PoolKind.AVG, true);
        int reduced = b.activation("se.relu", b.conv2d("se.reduce", squeezed, new Window(1, 1, 1, 1, 1, 1, new Padding(0, 0, 0, 0)),
                weights(random, 4, 16, 1, 1), weights(random, 4)), ActivationKind.RELU, 0);
        int expanded = b.conv2d("se.expand", reduced, new Window(1, 1, 1, 1, 1, 1, new Padding(0, 0, 0, 0)), weights(random, 16, 4, 1, 1),
                weights(random, 16));
        int hardSigmoid = b.activation("se.hardsigmoid", expanded, ActivationKind.HARD_SIGMOID, 1.0 / 6, 0.5);
        int excited = b.multiply("se.scale", silu, hardSigmoid);
        int pooled = b.globalPool("pool", excited, PoolKind.AVG, false);
        int logits = b.dense("fc", pooled, weights(random, 5, 16), weights(random, 5));
        for (String layer : new String[] {"grouped", "bn1", "relu6", "depthwise", "bn2", "hardswish", "silu", "se.scale"}) {
            b.capture(layer, switch (layer) {
                case "grouped" -> grouped;
                case "bn1" -> bn1;
                case "relu6" -> relu6;
                case "depthwise" -> depthwise;
                case "bn2" -> bn2;
                case "hardswish" -> swish;
                case "silu" -> silu;
                default -> excited;
            });
        }
        return b.build(logits);
    }

    /** Gaussian weights scaled so that activations stay near the activations' kinks and linear parts alike. */
    private static Weights weights(Random random, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        int fanIn = n / shape[0];
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * 2 / Math.sqrt(Math.max(1, fanIn)));
        }
        return new Weights(v, shape);
    }

    private static Weights positive(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.5f + random.nextFloat();
        }
        return new Weights(v, n);
    }
}
