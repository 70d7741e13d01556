package dev.heed.toolkit.engine;

import dev.heed.toolkit.engine.plan.Plan;

/**
 * A plan made ready by one executor: it owns that executor's weights (on the device, for a device executor) until
 * closed. Passes are independent of each other, but an executor may serialise them; a pass must be closed before its
 * compiled plan is.
 */
public interface CompiledPlan extends AutoCloseable {

    Plan plan();

    /** The executor's name, for provenance. */
    String executor();

    /**
     * Runs the plan in inference mode on {@code input} ({@code [n, ...plan.input().shape()]}), keeping what the backward
     * pass needs, and capturing the output of {@code captureLayer} (one of {@code plan().captures()}), or nothing when it
     * is null. The caller closes the pass. {@code input} is read, never written.
     */
    PlanPass forward(HostTensor input, String captureLayer);

    /** Logits {@code [n, classes]}, in one pass that keeps nothing for a backward pass. */
    default HostTensor logits(HostTensor input) {
        try (PlanPass pass = forward(input, null)) {
            return pass.logits();
        }
    }

    /** Frees the executor's copy of the weights and anything else the plan holds. Idempotent. */
    @Override
    void close();
}
