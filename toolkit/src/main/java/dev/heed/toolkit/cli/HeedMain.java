package dev.heed.toolkit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code heed} command: one subcommand per job. */
@Command(name = "heed", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Heed: what a neural network looks at.",
        subcommands = {OverlayCommand.class, AttentionCommand.class, ArchCommand.class, CurvesCommand.class, PlaygroundCommand.class, TrustCommand.class, DemoCommand.class, TrainCommand.class, MethodsCommand.class, CommandLine.HelpCommand.class})
public final class HeedMain {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, with one-line errors for bad arguments instead of stack traces. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new HeedMain());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(name(line) + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 2;
        });
        // One line per mistake and a pointer to --help, rather than the whole usage text.
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine line = e.getCommandLine();
            line.getErr().println(name(line) + ": " + e.getMessage());
            line.getErr().println("(see '" + name(line) + " --help')");
            return 2;
        });
        return cli;
    }

    private static String name(CommandLine line) {
        return line.getParent() == null ? "heed" : "heed " + line.getCommandName();
    }
}
