package dev.heed.toolkit.engine.cuda;

import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.PlanPasses;
import dev.heed.toolkit.engine.ReluGradient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One pass over a batch the device cannot hold at once. Its parts run one at a time: each part's forward pass gives
 * its logits and captured activations to the host and frees the device, and a backward pass (the input or captured
 * layer's gradient, or the gates') runs each part's forward again before its backward (recomputation: one more forward
 * per part, in exchange for never holding more than one part on the device). Results are the parts' results stacked
 * in batch order. A part is every input of the plan cut to the same rows (a transformer's token ids, token types and
 * mask together).
 */
final class SplitPass implements PlanPass {
    private final List<List<HostTensor>> parts;
    private final Function<List<HostTensor>, PlanPass> forward;
    private final HostTensor logits;
    private final HostTensor captured;
    private final Map<String, HostTensor> named;

    /**
     * Runs every part's forward pass now, keeping the single captured layer when {@code captures} and each layer of
     * {@code namedCaptures}; {@code forward} opens a pass on one part, which this closes.
     */
    SplitPass(List<List<HostTensor>> parts, Function<List<HostTensor>, PlanPass> forward, boolean captures,
              Collection<String> namedCaptures) {
        this.parts = List.copyOf(parts);
        this.forward = forward;
        List<HostTensor> allLogits = new ArrayList<>();
        List<HostTensor> allCaptured = new ArrayList<>();
        Map<String, List<HostTensor>> allNamed = new LinkedHashMap<>();
        for (List<HostTensor> part : parts) {
            try (PlanPass pass = forward.apply(part)) {
                allLogits.add(pass.logits());
                if (captures) {
                    allCaptured.add(pass.captured());
                }
                for (String layer : namedCaptures) {
                    allNamed.computeIfAbsent(layer, k -> new ArrayList<>()).add(pass.captured(layer));
                }
            }
        }
        logits = stack(allLogits);
        captured = captures ? stack(allCaptured) : null;
        named = new LinkedHashMap<>();
        allNamed.forEach((layer, tensors) -> named.put(layer, stack(tensors)));
    }

    /** Rows {@code [from, to)} of every batch-first tensor, copied. */
    static List<HostTensor> rows(List<HostTensor> tensors, int from, int to) {
        return tensors.stream().map(t -> rows(t, from, to)).toList();
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
    public HostTensor captured(String layer) {
        return PlanPasses.captured(named, layer);
    }

    @Override
    public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
        checkBatch(scoreWeights);
        List<HostTensor> gradients = new ArrayList<>();
        int from = 0;
        for (List<HostTensor> part : parts) {
            int n = part.get(0).batch();
            try (PlanPass pass = forward.apply(part)) {
                gradients.add(pass.backward(rows(scoreWeights, from, from + n), relu));
            }
            from += n;
        }
        return stack(gradients);
    }

    @Override
    public Map<String, HostTensor> gateGradients(HostTensor scoreWeights) {
        checkBatch(scoreWeights);
        Map<String, List<HostTensor>> byGate = new LinkedHashMap<>();
        int from = 0;
        for (List<HostTensor> part : parts) {
            int n = part.get(0).batch();
            try (PlanPass pass = forward.apply(part)) {
                pass.gateGradients(rows(scoreWeights, from, from + n))
                        .forEach((gate, gradient) -> byGate.computeIfAbsent(gate, k -> new ArrayList<>()).add(gradient));
            }
            from += n;
        }
        Map<String, HostTensor> stacked = new LinkedHashMap<>();
        byGate.forEach((gate, gradients) -> stacked.put(gate, stack(gradients)));
        return stacked;
    }

    private void checkBatch(HostTensor scoreWeights) {
        if (scoreWeights.batch() != logits.batch()) {
            throw new IllegalArgumentException("score weights for " + scoreWeights.batch() + " images, the pass has " + logits.batch());
        }
    }

    /** Holds nothing on the device between calls. */
    @Override
    public void close() {
    }
}
