package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code heed view}'s command line: its help, and one line and exit 2 for every bad option or path, before any window. */
class ViewerMainTest {
    private static final Path BUNDLED_MODEL = Path.of("../toolkit/models/fashion-cnn.zip");

    @TempDir
    Path tmp;

    /** Exit code, and everything written to stdout and stderr (the command's and any library's). */
    private record Run(int code, String out, String err) { }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream systemErr = new ByteArrayOutputStream();
        ByteArrayOutputStream systemOut = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        int code;
        try {
            System.setErr(new PrintStream(systemErr, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(systemOut, true, StandardCharsets.UTF_8));
            CommandLine cli = ViewerMain.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        return new Run(code, out + systemOut.toString(StandardCharsets.UTF_8), err + systemErr.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2 and exactly one line on stderr, naming {@code what}, with no stack trace. */
    private static void refused(String what, String... args) {
        Run r = run(args);
        String context = String.join(" ", args) + " ->\n" + r.err();
        assertEquals(2, r.code(), context);
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line: " + context);
        assertTrue(lines[0].startsWith("heed view: "), context);
        assertTrue(lines[0].contains(what), "names " + what + ": " + context);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + context);
    }

    @Test
    void helpHasExamplesADescriptionForEveryOptionAndExitsZero() {
        Run r = run("--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Examples:"), r.out());
        assertTrue(r.out().contains("  xvfb-run -a heed view --grid --screenshot grid.png"), r.out());
        for (CommandLine.Model.OptionSpec option : ViewerMain.commandLine().getCommandSpec().options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), option.longestName() + " has a description");
        }
    }

    @Test
    void windowSizesOutsideTheSaneRangeAreRefused() {
        refused("--size: 10x10 is too small; at least 640x480", "--size", "10x10");
        refused("--size: 639x800 is too small", "--size", "639x800");
        refused("--size: 99999x800 is too large; at most 8192x8192", "--size", "99999x800");
        refused("--size: 'abc' is not WxH", "--size", "abc");
        refused("--size: '1280x' is not WxH", "--size", "1280x");
        ViewerMain main = ViewerMain.commandLine().getCommand();
        assertArrayEquals(new int[] {640, 480}, main.parseSize("640x480"));
        assertArrayEquals(new int[] {1280, 800}, main.parseSize("1280X800"));
    }

    @Test
    void optionsThatWouldBeIgnoredOrMisreadAreRefused() {
        refused("--fps-report: -3 seconds is out of range; 1 to 600", "--fps-report", "-3");
        refused("--fps-report: 0 seconds", "--fps-report", "0");
        refused("--fps-report and --screenshot: choose one", "--fps-report", "5", "--screenshot", tmp.resolve("x.png").toString());
        refused("--style: only with --diagram", "--style", "nodes");
        refused("--dataset: only with --playground", "--dataset", "xor");
        refused("--grid: not with --diagram", "--diagram", "resnet50", "--grid");
        refused("--grid and --side-by-side: choose one", "--grid", "--side-by-side");
        refused("--diagram, --curves and --playground: choose one", "--diagram", "resnet50", "--playground");
        refused("--backend: unknown backend 'bogus'; valid: auto", "--backend", "bogus");
        refused("Unknown options: '--colour', 'red'", "--colour", "red");
        refused("'fast' is not an int", "--fps-report", "fast");
    }

    @Test
    void badPathsAreOneLineAndExitTwoBeforeAnyWindowOpens() throws Exception {
        refused("--model: /no/such.zip: no such file", "--model", "/no/such.zip");
        refused("--model: " + tmp + ": is a folder", "--model", tmp.toString());
        refused("--input: /no/such/dir: no such file or folder", "--model", BUNDLED_MODEL.toString(), "--input", "/no/such/dir");
        refused("--curves: /no/such/run: no such file or folder", "--curves", "/no/such/run");
        refused("--screenshot: /no/dir/x.png: the folder /no/dir does not exist", "--screenshot", "/no/dir/x.png");
        refused("--screenshot: " + tmp + ": is a folder", "--screenshot", tmp.toString());
        Path corruptZip = Files.write(tmp.resolve("corrupt.zip"), "not a zip".getBytes(StandardCharsets.UTF_8));
        refused(corruptZip.toString(), "--backend", "cpu", "--model", corruptZip.toString(), "--input", tmp.toString());
        Path cardless = tmp.resolve("cardless.zip");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(cardless))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("notes.txt"));
            zip.write("no model here".getBytes(StandardCharsets.UTF_8));
        }
        refused(cardless + ": the model has no heed.json card, which the viewer needs", "--backend", "cpu", "--model", cardless.toString(),
                "--input", tmp.toString());
    }

    @Test
    void aCorruptImageIsOneLineNamingIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(BUNDLED_MODEL), "the bundled model is at " + BUNDLED_MODEL);
        Path corrupt = Files.write(tmp.resolve("corrupt.png"), "not a png".getBytes(StandardCharsets.UTF_8));
        refused(corrupt + ": no readable images", "--backend", "cpu", "--model", BUNDLED_MODEL.toString(), "--input", corrupt.toString());
    }
}
