package dev.heed.toolkit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code heed} command: one subcommand per job. */
@Command(name = "heed", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Heed: what a neural network looks at.",
        subcommands = {OverlayCommand.class, DemoCommand.class, TrainCommand.class, MethodsCommand.class, CommandLine.HelpCommand.class})
public final class HeedMain {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with one-line errors for bad arguments instead of stack traces. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new HeedMain());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("heed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 2;
        });
        return cli;
    }
}
