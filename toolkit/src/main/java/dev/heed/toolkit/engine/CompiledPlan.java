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

    /**
     * Runs a plan with several inputs ({@code plan().inputs()}, in order, all with the same batch) and several capture
     * points, each readable through {@link PlanPass#captured(String)}: what a transformer's attention read-outs need
     * (every layer's queries, keys and probabilities in one pass). Gate gradients come from {@link PlanPass#gateGradients};
     * {@link PlanPass#backward} goes to the main input. Executors that run only CNN plans take one input and at most
     * one capture here.
     */
    default PlanPass forward(java.util.List<HostTensor> inputs, java.util.Collection<String> captureLayers) {
        if (inputs.size() != 1 || captureLayers.size() > 1) {
            throw new UnsupportedOperationException("the " + executor() + " executor runs plans with one input and one capture point");
        }
        return forward(inputs.get(0), captureLayers.isEmpty() ? null : captureLayers.iterator().next());
    }

    /** Rows a pass should hold to keep the executor busy (see {@code ModelAdapter.preferredPassRows}); 0: any batch. */
    default int preferredPassRows() {
        return 0;
    }

    /**
     * {@link #forward(HostTensor, String)} on an input that lives in a backend's scope (SmoothGrad's noisy copies, made
     * on the GPU). The default downloads it; the CUDA executor copies it on the device when the scope is on its GPU.
     */
    default PlanPass forward(dev.heed.toolkit.backend.ResidentArray input, String captureLayer) {
        return forward(new HostTensor(input.shape(), input.scope().download(input)), captureLayer);
    }

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
