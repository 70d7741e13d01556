/**
 * The public contract of Heed's saliency methods: one verb ({@link dev.heed.toolkit.api.SaliencyMethod#explain}), the
 * request it takes, the target it resolves and the immutable maps it returns.
 */
package dev.heed.toolkit.api;
