/**
 * Saliency methods, one class each, named after their papers. {@code gradient}: input-gradient methods;
 * {@code smoothing}: wrappers that compose with any gradient method; {@code cam}: class activation maps;
 * {@code perturbation}: methods that only run forward passes. {@code method.catalogue.MethodCatalogue} lists
 * them all.
 */
package dev.heed.toolkit.method;
