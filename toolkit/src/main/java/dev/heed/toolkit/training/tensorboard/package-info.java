/**
 * TensorBoard event files written without TensorFlow: {@link dev.heed.toolkit.training.tensorboard.EventFileWriter}
 * frames hand-encoded {@code Event} protobufs as TFRecords, checksummed with
 * {@link dev.heed.toolkit.training.tensorboard.Crc32c}, so {@code tensorboard --logdir} can plot training scalars.
 */
package dev.heed.toolkit.training.tensorboard;
