/**
 * The lecture's Playground: the TensorFlow Playground rebuilt on a real DL4J network, headless. A
 * {@link dev.heed.toolkit.playground.PlaygroundSettings} picks a {@link dev.heed.toolkit.playground.PlaygroundDataset},
 * the input {@link dev.heed.toolkit.playground.Feature}s and the network; a
 * {@link dev.heed.toolkit.playground.Playground} holds the training state and steps it one mini-batch at a time;
 * {@link dev.heed.toolkit.playground.PlaygroundFrame} draws that state and
 * {@link dev.heed.toolkit.playground.PlaygroundRecorder} turns a run into a PNG sequence or an animated GIF. State and
 * drawing are kept apart so that an interactive viewer can drive the same core.
 */
package dev.heed.toolkit.playground;
