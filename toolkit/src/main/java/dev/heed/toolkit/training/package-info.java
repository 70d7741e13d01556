/**
 * Training visualisation: a DL4J {@link org.deeplearning4j.optimize.api.TrainingListener} that records loss, gradient
 * norms, update-to-parameter ratios and activation statistics per iteration and validation per epoch, into an
 * append-only JSON-lines log and TensorBoard event files, with alarms for divergence, exploding and vanishing
 * gradients, dead units and plateaus; and the curves drawn from such a log.
 */
package dev.heed.toolkit.training;
