package dev.heed.spark;

import static dev.heed.spark.SparkHarness.MODEL;
import static dev.heed.spark.SparkHarness.SAMPLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on the loopback interface: Spark's own Master and two Workers, each its own JVM, launched
 * from a Spark home laid out as a distribution's ({@code RELEASE}, {@code jars/}). The job is submitted with
 * spark-submit; once its first images are done one executor is killed. Spark retries that executor's tasks
 * elsewhere; the job must still finish with every image's outputs present once and byte for byte the CLI's.
 */
class StandaloneClusterTest {
    @TempDir
    Path tmp;

    private final List<Process> cluster = new ArrayList<>();

    @AfterEach
    void stopCluster() {
        for (Process p : cluster) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void aKilledExecutorsTasksAreRetriedAndEveryOutputIsTheClisExactlyOnce() throws Exception {
        Path input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(SAMPLES)) {
            List<Path> pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
            for (int copy = 0; copy < 2; copy++) {
                for (Path png : pngs) {
                    Files.copy(png, input.resolve("c" + copy + "-" + png.getFileName()));
                }
            }
        }
        List<String> common = List.of("--model", MODEL.toString(), "--method", "smoothgrad", "--samples", "8", "--seed", "3",
                "--batch-size", "2", "--backend", "cpu", "--threads", "1", "--input", input.toString());
        Path cliOut = tmp.resolve("cli");
        SparkHarness.Cli cli = SparkHarness.heedOverlay(LocalModeTest.with(common, "--output", cliOut.toString()));
        assertEquals(0, cli.exit(), cli.err());

        Path home = sparkHome();
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        Map<String, String> env = Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.12", "SPARK_LOCAL_IP", "127.0.0.1");
        cluster.add(SparkHarness.java(tmp.resolve("master.log"), List.of("-Xmx256m"), "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0"), env));
        for (int w = 1; w <= 2; w++) {
            Path work = Files.createDirectories(tmp.resolve("worker" + w));
            cluster.add(SparkHarness.java(tmp.resolve("worker" + w + ".log"), List.of("-Xmx256m"), "org.apache.spark.deploy.worker.Worker",
                    List.of("--host", "127.0.0.1", "--cores", "1", "--memory", "1500m", "--webui-port", "0", "--work-dir", work.toString(),
                            master), env));
        }

        Path sparkOut = tmp.resolve("spark");
        Path log = tmp.resolve("driver.log");
        Process job = SparkHarness.submit(log, master, List.of("--executor-memory", "1g", "--conf", "spark.task.maxFailures=4",
                "--conf", "spark.driver.host=127.0.0.1"), LocalModeTest.with(common, "--output", sparkOut.toString()));
        cluster.add(job);

        // Mid-job: once some image is finished (and well before all are), kill one executor outright.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        ProcessHandle victim = null;
        while (victim == null && job.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            if (Files.isDirectory(sparkOut) && countIndexes(sparkOut) >= 1) {
                victim = executors().stream().findFirst().orElse(null);
            }
        }
        assertTrue(victim != null, "no executor to kill before the job ended: " + SparkHarness.read(log));
        int doneWhenKilled = countIndexes(sparkOut);
        victim.destroyForcibly();
        assertTrue(doneWhenKilled < 40, "the job was nearly over when the executor was killed (" + doneWhenKilled + " of 40)");

        assertTrue(job.waitFor(8, TimeUnit.MINUTES), "timed out: " + SparkHarness.read(log));
        String text = SparkHarness.read(log);
        assertEquals(0, job.exitValue(), text);
        // The victim was running a task (tasks queue behind both executors), which failed and was retried elsewhere.
        assertTrue(text.matches("(?s).*heed spark: task of batch \\d+ failed on executor.*"), "no task was lost with the executor: " + text);
        assertTrue(text.contains("smoothgrad: 40 image(s) done, 0 skipped, 0 failed"), text);
        SparkHarness.assertSameOutputs(cliOut, sparkOut);
        assertFalse(Files.exists(sparkOut.resolve(HadoopOutput.STAGING)), "staging folder left behind");
        try (Stream<Path> s = Files.list(sparkOut)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left behind");
        }

        // A rerun on the same cluster skips them all.
        Process again = SparkHarness.submit(tmp.resolve("again.log"), master, List.of("--executor-memory", "1g",
                "--conf", "spark.driver.host=127.0.0.1"), LocalModeTest.with(common, "--output", sparkOut.toString()));
        cluster.add(again);
        assertTrue(again.waitFor(6, TimeUnit.MINUTES), SparkHarness.read(tmp.resolve("again.log")));
        assertEquals(0, again.exitValue(), SparkHarness.read(tmp.resolve("again.log")));
        assertTrue(SparkHarness.read(tmp.resolve("again.log")).contains("smoothgrad: 0 image(s) done, 40 skipped, 0 failed"));
    }

    /** A Spark home as a distribution lays it out, which the Worker needs to build its executors' class path. */
    private Path sparkHome() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("spark-home"));
        Files.writeString(home.resolve("RELEASE"), "Spark 3.5.7 (class path from heed-spark-runtime)\n");
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String jar : SparkHarness.sparkClassPath().split(java.io.File.pathSeparator)) {
            Path target = Path.of(jar);
            Path link = jars.resolve(target.getFileName());
            if (!Files.exists(link)) {
                Files.createSymbolicLink(link, target);
            }
        }
        return home;
    }

    /** The executors: the Workers' child JVMs (cluster's entries 1 and 2). */
    private List<ProcessHandle> executors() {
        return cluster.subList(1, 3).stream().flatMap(Process::descendants).filter(ProcessHandle::isAlive).toList();
    }

    private static int countIndexes(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("c\\d-.*\\.smoothgrad\\.json")).count();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
