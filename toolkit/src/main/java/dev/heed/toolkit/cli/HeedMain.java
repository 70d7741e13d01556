package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.Version;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine;

/** The {@code heed} command: one subcommand per job. */
@Command(name = "heed", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Heed: what a neural network looks at.",
        subcommands = {OverlayCommand.class, AttentionCommand.class, ArchCommand.class, CurvesCommand.class, PlaygroundCommand.class,
                TrustCommand.class, DemoCommand.class, TrainCommand.class, MethodsCommand.class, SparkCommand.class, HeedMain.ViewCommand.class,
                HeedMain.TestCommand.class, CommandLine.HelpCommand.class},
        footer = {"%nExamples:",
                "  heed demo                 all 8 methods on the bundled images (demo-output/)",
                "  heed overlay --help       batch overlays for your own model and images",
                "  heed help attention       the options of one command",
                "  heed view                 the JOGL viewer on the bundled model and images",
                "%nLibrary logging is off; --verbose (on any command) shows it."})
public final class HeedMain {
    /** Accepted by every command; {@link LibraryChatter} acts on it before the libraries start, in {@link #main}. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "show the libraries' own logging (DL4J, ND4J, SameDiff)")
    boolean verbose;

    public static void main(String[] args) {
        LibraryChatter.configure(LibraryChatter.verboseRequested(args));
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

    /**
     * {@code heed view} runs from the viewer module, which the launcher puts on the class path; this entry lists it in
     * {@code heed --help} and explains itself when the toolkit jar is run on its own.
     */
    @Command(name = "view", description = {"The JOGL viewer: maps over images at interactive frame rates, side by side or in a grid; "
            + "also --diagram, --curves and --playground. Needs a display (xvfb-run works).",
            "Run it through the launcher: './heed view --help' lists its options."})
    static final class ViewCommand extends LauncherOnly {
        ViewCommand() {
            super("./heed view");
        }
    }

    /** {@code heed test} runs Maven from the launcher; listed here for {@code heed --help}. */
    @Command(name = "test", description = {"The whole test suite, as CI runs it (Maven, under Xvfb when there is no display). "
            + "Installs the JDK, Maven, Xvfb and Mesa with apt-get when missing; extra arguments go to Maven.",
            "Run it through the launcher: './heed test', e.g. './heed test -pl toolkit -Dtest=OverlayCommandTest'."})
    static final class TestCommand extends LauncherOnly {
        TestCommand() {
            super("./heed test");
        }
    }

    /** A command that the {@code heed} launcher script runs itself; reaching the jar means the launcher was bypassed. */
    abstract static class LauncherOnly implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Unmatched
        List<String> arguments;

        private final String launcher;

        LauncherOnly(String launcher) {
            this.launcher = launcher;
        }

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("heed " + spec.name() + ": runs through the launcher script: use '" + launcher
                    + "' from the Heed checkout");
            return 2;
        }
    }
}
