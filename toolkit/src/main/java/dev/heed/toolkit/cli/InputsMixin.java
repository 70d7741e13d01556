package dev.heed.toolkit.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The image inputs of the commands that need them ({@code heed overlay}, {@code heed trust}): files and folders, in order. */
public final class InputsMixin {
    @Option(names = "--input", required = true, split = ",", description = "image files and/or folders, comma-separated (a folder gives its "
            + ".png, .jpg, .jpeg, .bmp and .gif files, not recursive); images are taken in this order")
    public List<Path> inputs;
}
