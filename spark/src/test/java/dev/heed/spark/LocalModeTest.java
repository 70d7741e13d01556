package dev.heed.spark;

import static dev.heed.spark.SparkHarness.MODEL;
import static dev.heed.spark.SparkHarness.SAMPLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar through spark-submit in {@code local[2]}: the bundled images plus the bad files the CLI tests use; the
 * outputs byte for byte {@code heed overlay}'s on the same inputs and seed, the bad files failed alone, exit code 1 as
 * the CLI's; a rerun skips every finished image and rewrites none.
 */
class LocalModeTest {
    @TempDir
    Path tmp;

    @Test
    void localModeMatchesTheCliByteForByteAndAReRunSkipsFinishedImages() throws Exception {
        Path input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(SAMPLES)) {
            for (Path png : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(8).toList()) {
                Files.copy(png, input.resolve(png.getFileName()));
            }
        }
        byte[] good = Files.readAllBytes(input.resolve(Files.list(input).sorted().findFirst().orElseThrow().getFileName()));
        Files.write(input.resolve("empty.png"), new byte[0]);
        Files.write(input.resolve("truncated.png"), Arrays.copyOf(good, good.length / 2));
        Files.writeString(input.resolve("notes.png"), "this is not an image\n");
        List<String> common = List.of("--model", MODEL.toString(), "--method", "smoothgrad", "--samples", "4", "--target", "topk:2",
                "--seed", "7", "--batch-size", "3", "--backend", "cpu", "--threads", "1", "--input", input.toString());

        Path cliOut = tmp.resolve("cli");
        SparkHarness.Cli cli = SparkHarness.heedOverlay(with(common, "--output", cliOut.toString()));
        assertEquals(1, cli.exit(), cli.err());

        Path sparkOut = tmp.resolve("spark");
        Path log = tmp.resolve("spark.log");
        Process job = SparkHarness.submit(log, "local[2]", List.of(), with(common, "--output", sparkOut.toString()));
        assertTrue(job.waitFor(5, TimeUnit.MINUTES), "timed out: " + SparkHarness.read(log));
        String first = SparkHarness.read(log);
        assertEquals(1, job.exitValue(), first);
        SparkHarness.assertSameOutputs(cliOut, sparkOut);
        for (String bad : List.of("empty.png", "truncated.png", "notes.png")) {
            assertTrue(first.contains("failed: " + input.resolve(bad)), first);
        }
        assertTrue(first.contains("heed spark: progress: 11/11 images"), first);
        assertFalse(Files.exists(sparkOut.resolve(HadoopOutput.STAGING)), "staging folder left behind");
        Map<String, Object> summary = Json.read(sparkOut.resolve("summary.smoothgrad.json"));
        assertEquals(Json.read(cliOut.resolve("summary.smoothgrad.json")).get("counts"), summary.get("counts"));
        assertEquals(3, ((List<?>) summary.get("failures")).size());

        // A rerun: every good image skipped, none rewritten; the bad ones fail again, so the exit code is still 1.
        Map<String, FileTime> before = modified(sparkOut);
        Process again = SparkHarness.submit(tmp.resolve("again.log"), "local[2]", List.of(), with(common, "--output", sparkOut.toString()));
        assertTrue(again.waitFor(5, TimeUnit.MINUTES));
        String second = SparkHarness.read(tmp.resolve("again.log"));
        assertEquals(1, again.exitValue(), second);
        assertTrue(second.contains("smoothgrad: 0 image(s) done, 8 skipped, 3 failed"), second);
        Map<String, FileTime> after = modified(sparkOut);
        before.keySet().stream().filter(n -> n.contains(".smoothgrad.") && !n.startsWith("montage.") && !n.startsWith("summary."))
                .forEach(n -> assertEquals(before.get(n), after.get(n), n + " was rewritten"));
    }

    @Test
    void badOptionsAndPathsEndTheJobWithExitCode2AndOneLine() throws Exception {
        Path log = tmp.resolve("bad.log");
        Process job = SparkHarness.submit(log, "local[2]", List.of(), List.of("--model", MODEL.toString(), "--method", "gradcam",
                "--input", tmp.resolve("missing").toString(), "--output", tmp.resolve("out").toString()));
        assertTrue(job.waitFor(3, TimeUnit.MINUTES));
        String text = SparkHarness.read(log);
        assertEquals(2, job.exitValue(), text);
        assertTrue(text.contains("heed spark: " + tmp.resolve("missing") + ": no such file or folder (--input)"), text);
        assertFalse(text.contains("\tat "), "a stack trace for a user mistake: " + text);

        Process unknown = SparkHarness.submit(tmp.resolve("unknown.log"), "local[2]", List.of(), List.of("--model", MODEL.toString(),
                "--method", "nosuchmethod", "--input", SAMPLES.toString(), "--output", tmp.resolve("out").toString()));
        assertTrue(unknown.waitFor(3, TimeUnit.MINUTES));
        assertEquals(2, unknown.exitValue(), SparkHarness.read(tmp.resolve("unknown.log")));
        assertTrue(SparkHarness.read(tmp.resolve("unknown.log")).contains("heed spark: "), SparkHarness.read(tmp.resolve("unknown.log")));
    }

    static List<String> with(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all;
    }

    private static Map<String, FileTime> modified(Path folder) throws Exception {
        Map<String, FileTime> times = new HashMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path f : s.toList()) {
                times.put(f.getFileName().toString(), Files.getLastModifiedTime(f));
            }
        }
        return times;
    }
}
