package dev.heed.toolkit.pipeline;

import java.nio.file.Path;

/** An input that did not make it through, with the one line that says why (it names the file). */
public record Failure(Path file, String message) {
}
