/**
 * The bridge from saliency methods to the engine: {@link dev.heed.toolkit.engine.adapter.PlanModel} is a
 * {@link dev.heed.toolkit.model.ModelAdapter} over a compiled plan, so every method runs on any executor unchanged.
 * Kept apart from {@code dev.heed.toolkit.engine} because it speaks ND4J arrays, which the SPI does not.
 */
package dev.heed.toolkit.engine.adapter;
