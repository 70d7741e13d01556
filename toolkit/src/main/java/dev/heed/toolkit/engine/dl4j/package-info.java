/**
 * Compiles DL4J networks ({@code MultiLayerNetwork}, single-input {@code ComputationGraph}) into explanation
 * {@link dev.heed.toolkit.engine.plan.Plan}s, reproducing the inference-mode twin that {@code Dl4jModel} runs: dropout
 * is the identity, BatchNorm uses its running statistics, and the output layer contributes its pre-activation (the
 * logit). The only package of the engine that imports DL4J.
 */
package dev.heed.toolkit.engine.dl4j;
