package dev.heed.toolkit.engine.onednn;

import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which ops a pass to one target runs inside the convolution or inner product before them. A {@code ChannelAffine}
 * whose input only it reads, written by a {@code Conv2d} or {@code Dense}, folds into that op's weights; a {@code RELU}
 * whose input only it reads, written by a convolution (after its folded affine, if any), becomes the convolution's
 * post-op. Neither happens where the tensor in between is the pass's target, the input or the logits: a pass reads no
 * other tensor (its capture is its target), so the choice is made per target, and a plan whose every layer is a
 * capture point (DL4J's) still fuses in passes that capture elsewhere.
 */
final class Fusion {
    final Map<Op, Op.ChannelAffine> foldedInto = new IdentityHashMap<>();
    final Set<Op> foldedAffines = Collections.newSetFromMap(new IdentityHashMap<>());
    final Map<Op, Op.Activation> fusedRelu = new IdentityHashMap<>();
    final Set<Op> fusedRelus = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * Tensors that may stay in a convolution's own (blocked) layout: read only by convolutions, and not the target, the
     * input or the logits, so nothing else ever reads them as plain values.
     */
    final boolean[] convolutionsOnly;

    Fusion(Plan plan, int target) {
        int[] readers = new int[plan.tensors().size()];
        Map<Integer, Op> producer = new HashMap<>();
        for (Op op : plan.ops()) {
            for (int in : op.inputs()) {
                readers[in]++;
            }
            producer.put(op.output(), op);
        }
        boolean[] pinned = new boolean[plan.tensors().size()];
        pinned[target] = true;
        pinned[plan.output().id()] = true;
        pinned[plan.input().id()] = true;
        convolutionsOnly = new boolean[plan.tensors().size()];
        for (int t = 0; t < readers.length; t++) {
            convolutionsOnly[t] = readers[t] > 0 && !pinned[t];
        }
        for (Op op : plan.ops()) {
            if (!(op instanceof Op.Conv2d)) {
                for (int in : op.inputs()) {
                    convolutionsOnly[in] = false;
                }
            }
        }
        for (Op op : plan.ops()) {
            if (op instanceof Op.ChannelAffine a && readers[a.input()] == 1 && !pinned[a.input()]) {
                Op before = producer.get(a.input());
                if ((before instanceof Op.Conv2d || before instanceof Op.Dense) && !foldedInto.containsKey(before)) {
                    foldedInto.put(before, a);
                    foldedAffines.add(a);
                }
            }
        }
        for (Op op : plan.ops()) {
            if (op instanceof Op.Activation r && r.kind() == ActivationKind.RELU && readers[r.input()] == 1 && !pinned[r.input()]) {
                Op before = producer.get(r.input());
                Op conv = before instanceof Op.ChannelAffine a && foldedAffines.contains(a) ? producer.get(a.input()) : before;
                if (conv instanceof Op.Conv2d && !fusedRelu.containsKey(conv)) {
                    fusedRelu.put(conv, r);
                    fusedRelus.add(r);
                }
            }
        }
    }

    /** The tensor a convolution or inner product writes: its fused ReLU's output, its folded affine's, or its own. */
    int writtenBy(Op op) {
        Op.Activation relu = fusedRelu.get(op);
        if (relu != null) {
            return relu.output();
        }
        Op.ChannelAffine affine = foldedInto.get(op);
        return affine != null ? affine.output() : op.output();
    }
}
