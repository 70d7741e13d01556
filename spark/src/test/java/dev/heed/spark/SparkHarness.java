package dev.heed.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.cli.HeedMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * What the Spark tests share: Spark's own class path (runtime/'s, as a distribution's jars/ holds it), the job jar,
 * JVMs started from them, {@code heed overlay} run in this JVM as the reference, and the byte-for-byte comparison.
 */
final class SparkHarness {
    static final Path ROOT = Path.of(System.getProperty("heed.root", "..")).toAbsolutePath().normalize();
    /**
     * The shaded job jar when {@code -Dheed.spark.jar} names one (after {@code mvn package}: the very jar users submit),
     * else the module's classes with the toolkit's class path beside them, which is what {@code mvn test} has.
     */
    static final String SHADED = System.getProperty("heed.spark.jar");
    static final Path MODEL = ROOT.resolve("toolkit/models/fashion-cnn.zip");
    static final Path SAMPLES = ROOT.resolve("toolkit/samples/fashion-mnist");

    private SparkHarness() {
    }

    static String sparkClassPath() throws IOException {
        return Files.readString(Path.of(System.getProperty("heed.spark.classpath", "runtime/target/spark-classpath.txt"))).trim();
    }

    static List<String> opens() {
        String opens = System.getProperty("heed.spark.opens", "");
        return opens.isBlank() ? List.of() : Arrays.asList(opens.trim().split("\\s+"));
    }

    /** A JVM on Spark's class path running {@code main}, its stdout and stderr going to {@code log}. */
    static Process java(Path log, List<String> jvmOptions, String main, List<String> args, java.util.Map<String, String> env)
            throws IOException {
        return java(log, jvmOptions, "", main, args, env);
    }

    private static Process java(Path log, List<String> jvmOptions, String extraClassPath, String main, List<String> args,
                                java.util.Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(opens());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(sparkClassPath() + (extraClassPath.isEmpty() ? "" : java.io.File.pathSeparator + extraClassPath));
        command.add(main);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "passive");
        pb.environment().put("OMP_NUM_THREADS", "1"); // as the reference's (see the pom)
        pb.environment().putAll(env);
        return pb.start();
    }

    /** {@code spark-submit --master <master> --class dev.heed.spark.OverlayJob heed-spark.jar <args>}, as a user runs it. */
    static Process submit(Path log, String master, List<String> sparkOptions, List<String> args) throws IOException {
        List<String> submit = new ArrayList<>(List.of("--master", master, "--class", "dev.heed.spark.OverlayJob", "--driver-memory", "1g"));
        submit.addAll(sparkOptions);
        String toolkit = "";
        if (SHADED != null && !SHADED.isBlank()) {
            submit.add(Path.of(SHADED).toAbsolutePath().toString());
        } else {
            // What spark-submit's --driver-class-path does, done here since SparkSubmit runs without its script.
            toolkit = Files.readString(Path.of(System.getProperty("heed.spark.job.classpath"))).trim();
            submit.addAll(List.of("--conf", "spark.executor.extraClassPath=" + toolkit));
            submit.add(Path.of(System.getProperty("heed.spark.thin.jar")).toAbsolutePath().toString());
        }
        submit.addAll(args);
        return java(log, List.of(), toolkit, "org.apache.spark.deploy.SparkSubmit", submit, java.util.Map.of());
    }

    record Cli(int exit, String out, String err) {
    }

    /** {@code heed overlay} in this JVM: the reference the Spark job's outputs must equal. */
    static Cli heedOverlay(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HeedMain.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("overlay"));
        all.addAll(args);
        int exit = cli.execute(all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    /** File names in {@code folder}, summaries left out (they hold timings). */
    static Set<String> outputs(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("summary.")).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Same files (bar the summary), every one byte for byte: overlays, raw maps, sidecars, indexes, montages. */
    static void assertSameOutputs(Path expected, Path actual) throws IOException {
        assertEquals(outputs(expected), outputs(actual), "output file names");
        for (String name : outputs(expected)) {
            if (name.endsWith(".json")) { // text, so that a mismatch shows the differing field
                assertEquals(Files.readString(expected.resolve(name)), Files.readString(actual.resolve(name)), name);
            }
            assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)), name);
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
