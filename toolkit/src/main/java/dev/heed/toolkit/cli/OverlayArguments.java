package dev.heed.toolkit.cli;

import dev.heed.toolkit.pipeline.OverlayOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@code heed overlay}'s command line parsed and checked by the command itself, for jobs that run the same options
 * elsewhere (the Spark job): the options, and the model, input and output paths as the user wrote them, since those
 * may name a Hadoop file system ({@code hdfs://}, {@code s3a://}) that {@link java.nio.file.Path} cannot.
 *
 * @param model  {@code --model} as given
 * @param inputs {@code --input}'s values as given, split at commas
 * @param output {@code --output} as given
 */
public record OverlayArguments(OverlayOptions options, String model, List<String> inputs, String output) {

    /** A command line that is not a valid {@code heed overlay} one, with picocli's one-line reason. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args} exactly as {@code heed overlay} does; {@code --help} gives null (the caller prints
     * {@link #usage}).
     */
    public static OverlayArguments parse(String... args) throws Invalid {
        CommandLine line = new CommandLine(new OverlayCommand());
        ParseResult parsed;
        try {
            parsed = line.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new Invalid(e.getMessage());
        }
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            return null;
        }
        try {
            OverlayOptions options = ((OverlayCommand) line.getCommand()).options();
            return new OverlayArguments(options, parsed.matchedOption("--model").stringValues().get(0),
                    parsed.matchedOption("--input").stringValues(), parsed.matchedOption("--output").stringValues().get(0));
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
    }

    /** {@code heed overlay}'s help, whose options the Spark job takes unchanged. */
    public static String usage() {
        StringWriter text = new StringWriter();
        new CommandLine(new OverlayCommand()).usage(new PrintWriter(text));
        return text.toString();
    }
}
