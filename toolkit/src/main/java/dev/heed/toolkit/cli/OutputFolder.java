package dev.heed.toolkit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Checks an output folder before any work is done, so that a bad path costs one line and no computation. */
final class OutputFolder {
    private OutputFolder() {
    }

    /**
     * What stops {@code folder} from being used as an output folder, without creating anything: it exists and is not a
     * folder, is not writable, or the nearest existing folder above it is not writable or is a file.
     */
    static Optional<String> problemWith(Path folder) {
        Path absolute = folder.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) {
                return Optional.of(folder + ": exists and is not a folder");
            }
            return Files.isWritable(absolute) ? Optional.empty() : Optional.of(folder + ": folder is not writable");
        }
        for (Path above = absolute.getParent(); above != null; above = above.getParent()) {
            if (Files.exists(above)) {
                if (!Files.isDirectory(above)) {
                    return Optional.of(folder + ": cannot be created, " + above + " is a file");
                }
                return Files.isWritable(above) ? Optional.empty()
                        : Optional.of(folder + ": cannot be created, " + above + " is not writable");
            }
        }
        return Optional.of(folder + ": cannot be created");
    }
}
