package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Conversions and the parity measure the engine tests share: max |ours - oracle| over max |oracle|. */
public final class Parity {
    /** The tolerance for logits and gradients in the exact float32 path. */
    public static final double TOLERANCE = 1e-4;

    private Parity() {
    }

    public static HostTensor host(INDArray a) {
        int[] shape = Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray();
        return new HostTensor(shape, a.castTo(DataType.FLOAT).dup('c').reshape('c', new long[] {a.length()}).toFloatVector());
    }

    public static INDArray nd(HostTensor t, DataType type) {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        return Nd4j.create(t.data().clone(), shape, 'c').castTo(type);
    }

    /** Uniform values in [-1, 1), seeded. */
    public static HostTensor random(long seed, int... shape) {
        Random random = new Random(seed);
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = random.nextFloat() * 2 - 1;
        }
        return new HostTensor(shape, data);
    }

    /** Relative error of {@code ours} against {@code oracle}; fails on a shape mismatch or an all-zero oracle. */
    public static double error(HostTensor ours, INDArray oracle) {
        HostTensor expected = host(oracle);
        assertArrayEquals(expected.shape(), ours.shape(), "shape");
        double scale = expected.maxAbs();
        assertTrue(scale > 0, "the oracle is all zeros; the comparison would prove nothing");
        double worst = 0;
        for (int i = 0; i < ours.data().length; i++) {
            worst = Math.max(worst, Math.abs(ours.data()[i] - expected.data()[i]));
        }
        return worst / scale;
    }

    public static double assertClose(String what, HostTensor ours, INDArray oracle) {
        double e = error(ours, oracle);
        System.out.printf("parity %-48s max relative error %.2e%n", what, e);
        assertTrue(e <= TOLERANCE, what + ": max relative error " + e + " exceeds " + TOLERANCE);
        return e;
    }

    /** The oracle's gradient at {@code captureLayer} (or the input when null) for the given score weights. */
    public static INDArray oracleGradient(ModelAdapter model, INDArray input, String captureLayer, INDArray scoreWeights) {
        try (ModelPass pass = model.forward(input, captureLayer)) {
            return pass.backward(scoreWeights);
        }
    }

    public static INDArray oracleCapture(ModelAdapter model, INDArray input, String captureLayer) {
        try (ModelPass pass = model.forward(input, captureLayer)) {
            return pass.captured();
        }
    }
}
