package dev.heed.toolkit.engine;

/**
 * One inference-mode forward pass and the activations it keeps (on the executor's side: heap arrays, device buffers),
 * released by {@link #close()}. Results come back as fresh {@link HostTensor}s that outlive the pass.
 */
public interface PlanPass extends AutoCloseable {

    /** The plan's output, {@code [n, classes]}: logits, before any softmax. */
    HostTensor logits();

    /** The captured layer's output {@code [n, ...]}, or null when the pass captures nothing. */
    HostTensor captured();

    /**
     * The gradient of {@code sum_{b,k} scoreWeights[b][k] * logits[b][k]} with respect to the captured layer's output,
     * or to the input when nothing was captured; the backward pass goes no further, and computes no weight gradients.
     * {@code scoreWeights} is {@code [n, classes]}. A pass may be back-propagated more than once.
     */
    HostTensor backward(HostTensor scoreWeights, ReluGradient relu);

    /**
     * {@link #captured()} as an array of {@code scope}, or null when the pass captures nothing. The default uploads the
     * host tensor; a device executor whose scope shares its GPU hands the tensor over without the host.
     */
    default dev.heed.toolkit.backend.ResidentArray captured(dev.heed.toolkit.backend.ArrayScope scope) {
        HostTensor t = captured();
        return t == null ? null : scope.upload(t.data(), t.shape());
    }

    /** {@link #backward(HostTensor, ReluGradient)} as an array of {@code scope}; the default uploads the host tensor. */
    default dev.heed.toolkit.backend.ResidentArray backward(HostTensor scoreWeights, ReluGradient relu,
                                                           dev.heed.toolkit.backend.ArrayScope scope) {
        HostTensor t = backward(scoreWeights, relu);
        return scope.upload(t.data(), t.shape());
    }

    /** One of the capture points the pass was asked for ({@link CompiledPlan#forward(java.util.List, java.util.Collection)}). */
    default HostTensor captured(String layer) {
        throw new UnsupportedOperationException("this executor captures one layer per pass");
    }

    /**
     * The gradient of {@code sum_{b,k} scoreWeights[b][k] * logits[b][k]} with respect to every gate of the plan
     * ({@code Op.Gate}, a gate of ones per sample), keyed by the gate's layer name, each {@code [n, ...gated tensor]}:
     * {@code dScore/dy * x} where {@code y = x * gate}. No weight gradients; a gate no gradient reaches is zero.
     */
    default java.util.Map<String, HostTensor> gateGradients(HostTensor scoreWeights) {
        throw new UnsupportedOperationException("this executor has no gate gradients");
    }

    default HostTensor backward(HostTensor scoreWeights) {
        return backward(scoreWeights, ReluGradient.STANDARD);
    }

    @Override
    void close();
}
