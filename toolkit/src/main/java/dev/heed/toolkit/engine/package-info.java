/**
 * The explanation engine's executor contract. A {@link dev.heed.toolkit.engine.PlanExecutor} compiles a
 * {@link dev.heed.toolkit.engine.plan.Plan} into a {@link dev.heed.toolkit.engine.CompiledPlan} that owns the
 * executor's copy of the weights (heap arrays for the CPU reference, uploaded device buffers for CUDA, primitives and
 * blocked weights for oneDNN); each {@link dev.heed.toolkit.engine.PlanPass} owns one forward pass's activations until
 * it is closed. Only {@link dev.heed.toolkit.engine.HostTensor}s cross this boundary: inputs go in, logits, the
 * captured layer and gradients come out; everything in between stays where the executor keeps it.
 */
package dev.heed.toolkit.engine;
