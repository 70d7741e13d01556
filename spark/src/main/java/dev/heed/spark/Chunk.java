package dev.heed.spark;

import java.io.Serializable;
import java.util.List;

/**
 * One Spark task's work: a batch of image files (local paths or Hadoop URIs, as the driver listed them) and its
 * number, which names its montage exactly as {@code heed overlay} numbers its batches.
 */
record Chunk(int batch, List<String> files) implements Serializable {
    Chunk {
        files = List.copyOf(files);
    }
}
