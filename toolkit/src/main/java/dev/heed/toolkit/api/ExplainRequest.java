package dev.heed.toolkit.api;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What to explain in one call: a batch of model inputs (NCHW, already scaled the way the model expects), the target,
 * and one random seed per image. Seeds are per image, not per batch, so that a method that draws noise gives the same
 * map for an image whatever batch it arrives in.
 */
public record ExplainRequest(INDArray inputs, Target target, long[] imageSeeds) {
    public ExplainRequest {
        if (inputs.rank() != 4) {
            throw new IllegalArgumentException("inputs must be NCHW (rank 4), got shape " + Arrays.toString(inputs.shape()));
        }
        if (imageSeeds.length != inputs.size(0)) {
            throw new IllegalArgumentException("need one seed per image: " + imageSeeds.length + " seeds for " + inputs.size(0) + " images");
        }
        imageSeeds = imageSeeds.clone();
    }

    /** Seeds {@code seed + i} for image i: reproducible, but tied to the position in this batch. */
    public static ExplainRequest of(INDArray inputs, Target target, long seed) {
        long[] seeds = new long[(int) inputs.size(0)];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = seed + i;
        }
        return new ExplainRequest(inputs, target, seeds);
    }

    public int batchSize() {
        return (int) inputs.size(0);
    }

    @Override
    public long[] imageSeeds() {
        return imageSeeds.clone();
    }

    public long imageSeed(int i) {
        return imageSeeds[i];
    }
}
