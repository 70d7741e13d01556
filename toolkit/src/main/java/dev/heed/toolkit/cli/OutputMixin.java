package dev.heed.toolkit.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The output folder of every batch command, under {@link dev.heed.toolkit.pipeline.BatchJob#prepareOutput}'s one rule. */
public final class OutputMixin {
    @Option(names = "--output", required = true, description = "output folder (created if missing; never an input folder)")
    public Path output;
}
