package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code heed arch} at its edge: bad paths in one line with exit 2 before any network is built, help text, pages. */
class ArchCommandTest {
    @TempDir
    Path tmp;

    /** Exit 2, one line on stderr naming the path and containing the problem, nothing written. */
    private void assertOneLineError(String path, String problem, String... args) throws Exception {
        Run run = heed(args);
        assertEquals(2, run.exit(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("heed arch: " + path + ": "), lines.get(0));
        assertTrue(lines.get(0).contains(problem), lines.get(0));
        assertFalse(lines.get(0).contains("Exception"), lines.get(0));
        assertTrue(run.out().isEmpty(), run.out());
    }

    @Test
    void everyBadPathIsOneLineNamingThePathWithExitTwo() throws Exception {
        String out = tmp.resolve("net.svg").toString();
        Path missing = tmp.resolve("afile");
        assertOneLineError(missing.toString(), "no such model file", "arch", "--model", missing.toString(), "--output", out);
        assertOneLineError("resnet5", "valid: resnet50, vgg16, alexnet, squeezenet, fashion-cnn", "arch", "--model", "resnet5", "--output", out);
        Path corrupt = Files.write(tmp.resolve("corrupt.zip"), "not a zip at all".getBytes(StandardCharsets.UTF_8));
        assertOneLineError(corrupt.toString(), "not a zip file", "arch", "--model", corrupt.toString(), "--output", out);
        Path otherZip = tmp.resolve("other.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(otherZip))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write(1);
        }
        assertOneLineError(otherZip.toString(), "not a DL4J model", "arch", "--model", otherZip.toString(), "--output", out);
        assertOneLineError(tmp.toString(), "is a folder", "arch", "--model", tmp.toString(), "--output", out);
        // outputs are checked first, with a zoo model, so a bad output costs no network build
        String noFolder = tmp.resolve("no/such/folder/net.svg").toString();
        assertOneLineError(noFolder, "does not exist", "arch", "--model", "resnet50", "--output", noFolder);
        Path folder = Files.createDirectories(tmp.resolve("picture.svg"));
        assertOneLineError(folder.toString(), "is a folder", "arch", "--model", "resnet50", "--output", folder.toString());
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        String underFile = file.resolve("net.svg").toString();
        assertOneLineError(underFile, "is not a folder", "arch", "--model", "resnet50", "--output", underFile);
        assertOneLineError(tmp.resolve("net.gif").toString(), "unknown format", "arch", "--model", "resnet50", "--output",
                tmp.resolve("net.gif").toString());
        try (var listing = Files.list(tmp)) {
            assertTrue(listing.noneMatch(p -> p.toString().endsWith(".svg") && Files.isRegularFile(p)), "nothing written");
        }
    }

    @Test
    void aModelZipIsDrawnAndASinglePageKeepsItsName() throws Exception {
        Path svg = tmp.resolve("cnn.svg");
        Run run = heed("arch", "--model", TestModels.BUNDLED_MODEL.toString(), "--output", svg.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(Files.readString(svg).startsWith("<?xml"), "an SVG");
        assertEquals("wrote " + svg, run.out().trim());
        assertEquals(tmp.resolve("diagram.2.svg"), ArchCommand.pageFile(tmp.resolve("diagram.svg"), 2));
    }

    @Test
    void helpEndsWithExamplesThatParseAndEveryOptionIsDescribed() {
        Run run = heed("arch", "--help");
        assertEquals(0, run.exit());
        String help = run.out();
        int examples = help.indexOf("Examples:");
        assertTrue(examples > 0, help);
        List<String> lines = help.substring(examples).lines().filter(l -> l.trim().startsWith("heed arch ")).toList();
        assertTrue(lines.size() >= 2, help);
        for (String line : lines) {
            String command = line.trim().replaceFirst("\\s+#.*$", "");
            String[] args = command.substring("heed arch ".length()).split("\\s+");
            new CommandLine(new ArchCommand()).parseArgs(args); // throws on an unknown or malformed option
        }
        for (OptionSpec option : new CommandLine(new ArchCommand()).getCommandSpec().options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), option.longestName() + " is described");
        }
    }
}
