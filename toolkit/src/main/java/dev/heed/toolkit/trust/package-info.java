/**
 * Checks that say whether a saliency map can be trusted: sanity checks (does the map change when the model does?)
 * and faithfulness metrics (does removing what the map points at change the score?). Plain functions over maps and
 * model scores; the CLI attaches their results to the maps it exports.
 */
package dev.heed.toolkit.trust;
