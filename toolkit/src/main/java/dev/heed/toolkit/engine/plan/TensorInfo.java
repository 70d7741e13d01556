package dev.heed.toolkit.engine.plan;

import java.util.Arrays;

/**
 * One tensor of a plan. {@code shape} leaves out the batch dimension, which is symbolic (chosen per pass): {@code [c, h, w]}
 * for images and feature maps (stored NCHW, row-major, so one sample's values are channel by channel, row by row),
 * {@code [features]} for flat tensors, and for transformers {@code [tokens, features]} or {@code [heads, tokens, d]}
 * (rank 2 to 4, always row-major). {@code producer} names the layer whose op writes it ("input" for the input).
 */
public record TensorInfo(int id, int[] shape, String producer) {
    public TensorInfo {
        shape = shape.clone();
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException("tensor " + id + " has rank " + shape.length + " (without batch); plans hold ranks 1 to 4");
        }
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + id + " has a non-positive dimension: " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Values per sample: the product of the shape. */
    public int size() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public boolean isSpatial() {
        return shape.length == 3;
    }

    /** Channels (rank 3) or features (rank 1). */
    public int channels() {
        return shape[0];
    }

    /** The last dimension: features per row, for ops that work row by row (dense, layer norm, softmax). */
    public int lastDim() {
        return shape[shape.length - 1];
    }

    public int rank() {
        return shape.length;
    }

    public int height() {
        return shape.length == 3 ? shape[1] : 1;
    }

    public int width() {
        return shape.length == 3 ? shape[2] : 1;
    }

    @Override
    public String toString() {
        return "t" + id + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.id == id && Arrays.equals(t.shape, shape) && t.producer.equals(producer);
    }

    @Override
    public int hashCode() {
        return 31 * id + Arrays.hashCode(shape);
    }
}
