package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;

/** The console a user sees: library chatter kept off it, help that lists every command with examples. */
class ConsoleAndHelpTest {
    @Test
    void droppingLinesRemovesOnlyWholeChatterLines() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new LibraryChatter.DroppingLines(sink, LibraryChatter.STDOUT_PREFIXES), true, StandardCharsets.UTF_8);
        out.println("Added differentiated op matmul_3");
        out.println("heed attention: 2 input(s) done");
        out.print("Added differentiated op add");
        out.flush();
        out.println("_7");
        out.print("50% done");
        out.flush();
        assertEquals("heed attention: 2 input(s) done\n50% done", sink.toString(StandardCharsets.UTF_8),
                "a chatter line split by a flush is still dropped; a partial line that cannot be chatter is not held back");
        out.println(" and more");
        out.println("Added differentiated op x");
        out.close();
        assertEquals("heed attention: 2 input(s) done\n50% done and more\n", sink.toString(StandardCharsets.UTF_8));
    }

    /** SameDiff really prints through System.out when it builds gradients, and the filter really catches it. */
    @Test
    void sameDiffsGradientChatterIsCaughtByTheFilter() {
        assertTrue(gradientOutput(false).lines().anyMatch(l -> l.startsWith("Added differentiated op ")),
                "SameDiff no longer prints its chatter; the filter may be obsolete");
        String filtered = gradientOutput(true);
        assertEquals(List.of(), filtered.lines().toList(), filtered);
    }

    private static String gradientOutput(boolean filtered) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        PrintStream capture = filtered
                ? new PrintStream(new LibraryChatter.DroppingLines(sink, LibraryChatter.STDOUT_PREFIXES), true, StandardCharsets.UTF_8)
                : new PrintStream(sink, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        try {
            SameDiff sd = SameDiff.create();
            SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 3, 2));
            SDVariable x = sd.constant("x", Nd4j.rand(DataType.FLOAT, 4, 3));
            SDVariable loss = sd.math().tanh(x.mmul(w)).sum("loss");
            sd.setLossVariables(loss);
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> g = sd.calculateGradients(Map.of(), "w");
            assertEquals(6, g.get("w").length());
        } finally {
            System.out.flush();
            System.setOut(previous);
        }
        return sink.toString(StandardCharsets.UTF_8);
    }

    @Test
    void verboseIsFoundBeforeAnEndOfOptions() {
        assertTrue(LibraryChatter.verboseRequested(new String[] {"attention", "--verbose", "--text", "x"}));
        assertFalse(LibraryChatter.verboseRequested(new String[] {"attention", "--text", "x"}));
        assertFalse(LibraryChatter.verboseRequested(new String[] {"attention", "--", "--verbose"}));
    }

    @Test
    void topLevelHelpListsEveryCommandIncludingViewAndTest() {
        OverlayCommandTest.Run help = OverlayCommandTest.heed("--help");
        assertEquals(0, help.exit());
        for (String command : List.of("overlay", "attention", "arch", "curves", "playground", "trust", "demo", "train", "methods", "spark",
                "view", "test", "help")) {
            assertTrue(help.out().lines().anyMatch(l -> l.trim().startsWith(command + " ") || l.trim().equals(command)),
                    command + " missing from heed --help:\n" + help.out());
        }
        assertTrue(help.out().contains("--verbose"), help.out());
        OverlayCommandTest.Run viewHere = OverlayCommandTest.heed("view", "--size", "800x600");
        assertEquals(2, viewHere.exit());
        assertEquals(List.of("heed view: runs through the launcher script: use './heed view' from the Heed checkout"), viewHere.errLines());
    }

    /** Every subcommand has an Examples footer and a description for every option. */
    @Test
    void everyCommandHasExamplesAndDescribesEveryOption() {
        CommandLine cli = HeedMain.commandLine();
        for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
            String name = e.getKey();
            if (name.equals("help") || name.equals("view") || name.equals("test")) {
                continue;
            }
            String usage = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(usage.contains("Examples:"), "heed " + name + " --help has no Examples:\n" + usage);
            for (CommandLine.Model.OptionSpec option : e.getValue().getCommandSpec().options()) {
                String description = String.join(" ", option.description()).trim();
                assertFalse(description.isEmpty(), "heed " + name + " " + option.longestName() + " has no description");
            }
        }
    }
}
