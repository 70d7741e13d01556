package dev.heed.toolkit.engine.cuda;

import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.ReluGradient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One pass over a batch the device cannot hold at once. Its parts run one at a time: each part's forward pass gives
 * its logits and captured activations to the host and frees the device, and a backward pass runs each part's forward
 * again before its backward (recomputation: one more forward per part, in exchange for never holding more than one
 * part on the device). Results are the parts' results stacked in batch order.
 */
final class SplitPass implements PlanPass {
    private final List<HostTensor> parts;
    private final Function<HostTensor, PlanPass> forward;
    private final HostTensor logits;
    private final HostTensor captured;

    /** Runs every part's forward pass now; {@code forward} opens a pass on one part, which this closes. */
    SplitPass(List<HostTensor> parts, Function<HostTensor, PlanPass> forward, boolean captures) {
        this.parts = List.copyOf(parts);
        this.forward = forward;
        List<HostTensor> allLogits = new ArrayList<>();
        List<HostTensor> allCaptured = new ArrayList<>();
        for (HostTensor part : parts) {
            try (PlanPass pass = forward.apply(part)) {
                allLogits.add(pass.logits());
                if (captures) {
                    allCaptured.add(pass.captured());
                }
            }
        }
        logits = stack(allLogits);
        captured = captures ? stack(allCaptured) : null;
    }

    /** Rows {@code [from, to)} of a batch-first tensor, copied. */
    static HostTensor rows(HostTensor t, int from, int to) {
        int[] shape = t.shape();
        int per = t.data().length / shape[0];
        float[] values = new float[(to - from) * per];
        System.arraycopy(t.data(), from * per, values, 0, values.length);
        shape[0] = to - from;
        return new HostTensor(shape, values);
    }

    /** The tensors one after the other along the batch. */
    static HostTensor stack(List<HostTensor> tensors) {
        int[] shape = tensors.get(0).shape();
        int batch = 0;
        int length = 0;
        for (HostTensor t : tensors) {
            batch += t.batch();
            length += t.data().length;
        }
        float[] values = new float[length];
        int at = 0;
        for (HostTensor t : tensors) {
            System.arraycopy(t.data(), 0, values, at, t.data().length);
            at += t.data().length;
        }
        shape[0] = batch;
        return new HostTensor(shape, values);
    }

    @Override
    public HostTensor logits() {
        return logits;
    }

    @Override
    public HostTensor captured() {
        return captured;
    }

    @Override
    public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
        if (scoreWeights.batch() != logits.batch()) {
            throw new IllegalArgumentException("score weights for " + scoreWeights.batch() + " images, the pass has " + logits.batch());
        }
        List<HostTensor> gradients = new ArrayList<>();
        int from = 0;
        for (HostTensor part : parts) {
            try (PlanPass pass = forward.apply(part)) {
                gradients.add(pass.backward(rows(scoreWeights, from, from + part.batch()), relu));
            }
            from += part.batch();
        }
        return stack(gradients);
    }

    /** Holds nothing on the device between calls. */
    @Override
    public void close() {
    }
}
