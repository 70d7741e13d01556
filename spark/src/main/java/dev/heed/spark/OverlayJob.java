package dev.heed.spark;

import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.cli.OverlayArguments;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.Failure;
import dev.heed.toolkit.pipeline.JobSummary;
import dev.heed.toolkit.pipeline.OutputWriter;
import dev.heed.toolkit.pipeline.OverlayOptions;
import dev.heed.toolkit.pipeline.OverlayRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * {@code heed overlay} on Apache Spark: {@code spark-submit --class dev.heed.spark.OverlayJob heed-spark.jar <heed
 * overlay's options>}. The driver checks the job as the CLI does (inputs, output folder, model, method; exit 2 with one
 * line), lists the images and cuts them into the CLI's batches, one Spark task each; executors run them through the
 * toolkit's pipeline ({@link ChunkTask}) and commit their outputs; the driver prints progress and writes the summary.
 * Inputs, output and model may be any Hadoop file system path. Exit code: 0 all done, 1 some inputs failed, 2 the job
 * could not run.
 */
public final class OverlayJob {
    private OverlayJob() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the job on the Spark master that spark-submit (or {@code spark.master}) names, {@code local[*]} when none. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        OverlayArguments parsed;
        try {
            parsed = OverlayArguments.parse(args);
        } catch (OverlayArguments.Invalid e) {
            err.println("heed spark: " + e.getMessage());
            err.println("(see 'heed spark --help')");
            return BatchJob.EXIT_JOB_FAILED;
        }
        if (parsed == null) {
            out.println("Usage: spark-submit [spark options] --class dev.heed.spark.OverlayJob heed-spark.jar <heed overlay options>");
            out.println("Inputs, --output and --model may be Hadoop paths (file://, hdfs://, s3a://). The options:");
            out.print(OverlayArguments.usage());
            out.flush();
            return BatchJob.EXIT_OK;
        }
        SparkConf conf = new SparkConf().setIfMissing("spark.master", "local[*]")
                .setIfMissing("spark.app.name", "heed overlay --method " + parsed.options().method().id());
        try {
            return new Driver(parsed, Arrays.asList(args), conf, out, err).run();
        } catch (JobFailure e) {
            err.println("heed spark: " + e.getMessage());
            err.flush();
            return BatchJob.EXIT_JOB_FAILED;
        }
    }

    /** One run of the job on the driver. */
    private static final class Driver {
        private final OverlayArguments a;
        private final OverlayOptions o;
        private final List<String> args;
        private final SparkConf sparkConf;
        private final PrintWriter out;
        private final PrintWriter err;
        private final HadoopConf hadoop;
        private final List<ChunkOutcome.FailedInput> failures = new ArrayList<>();

        Driver(OverlayArguments a, List<String> args, SparkConf sparkConf, PrintWriter out, PrintWriter err) {
            this.a = a;
            this.o = a.options();
            this.args = args;
            this.sparkConf = sparkConf;
            this.out = out;
            this.err = err;
            this.hadoop = new HadoopConf(SparkHadoopUtil.get().newConfiguration(sparkConf));
        }

        int run() throws JobFailure {
            long start = System.nanoTime();
            long startMillis = System.currentTimeMillis();
            String method = o.method().id();
            BatchJob job = new BatchJob(err);
            // The CLI's order: inputs, output folder, model and method, all before any cluster work.
            List<String> files = InputListing.list(a.inputs(), hadoop, job, note -> err.println("heed spark: warning: " + note),
                    (file, message) -> failures.add(new ChunkOutcome.FailedInput(file, message)));
            HadoopOutput output = new HadoopOutput(a.output(), hadoop);
            output.prepare(a.inputs());
            checkModelAndMethod(job);
            List<Chunk> chunks = new ArrayList<>();
            for (int from = 0, batch = 1; from < files.size(); from += o.batchSize(), batch++) {
                chunks.add(new Chunk(batch, files.subList(from, Math.min(files.size(), from + o.batchSize()))));
            }
            int done = 0;
            int skipped = 0;
            int maps = 0;
            double explainSeconds = 0;
            double renderSeconds = 0;
            String master;
            try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
                master = sc.master();
                err.println("heed spark: " + files.size() + " image(s) in " + chunks.size() + " task(s) of up to " + o.batchSize()
                        + " on " + master);
                ProgressListener progress = new ProgressListener(chunks, err);
                sc.sc().addSparkListener(progress);
                List<ChunkOutcome> outcomes;
                try {
                    outcomes = sc.parallelize(chunks, Math.max(1, chunks.size()))
                            .map(new ChunkTask(args, output, hadoop, method, o.force(), startMillis))
                            .collect();
                } catch (Exception e) { // SparkException, undeclared by Scala: a task failed more than spark.task.maxFailures times
                    throw new JobFailure("the Spark job failed (" + firstLine(e.getMessage()) + ")", e);
                }
                for (ChunkOutcome c : outcomes) {
                    done += c.done();
                    skipped += c.skipped();
                    maps += c.maps();
                    explainSeconds += c.explainSeconds();
                    renderSeconds += c.renderSeconds();
                    c.failures().forEach(f -> {
                        err.println(f.message());
                        failures.add(f);
                    });
                }
            }
            if (skipped > 0) {
                err.println("heed spark: skipped " + skipped + " image(s) with finished outputs (use --force to redo them)");
            }
            double total = (System.nanoTime() - start) / 1e9;
            List<Failure> summaryFailures = failures.stream().map(f -> new Failure(java.nio.file.Path.of(f.file()), f.message())).toList();
            try {
                java.nio.file.Path local = Files.createTempDirectory("heed-spark-summary-");
                new OutputWriter(local, method).writeSummary(new JobSummary(method, a.model(), o.target().describe(), o.backend(),
                        o.batchSize(), files.size(), done, skipped, maps, total, explainSeconds,
                        renderSeconds, summaryFailures));
                output.put(local.resolve("summary." + method + ".json"), "summary");
                Files.deleteIfExists(local);
            } catch (IOException e) {
                err.println(a.output() + ": cannot write the summary (" + e.getMessage() + ")");
            }
            try {
                output.removeStaging();
            } catch (IOException e) {
                err.println("heed spark: warning: " + a.output() + ": cannot remove " + HadoopOutput.STAGING + " (" + e.getMessage() + ")");
            }
            out.printf(Locale.ROOT, "%s: %d image(s) done, %d skipped, %d failed; %d map(s) in %s (%.1f s)%n", method,
                    done, skipped, failures.size(), maps, a.output(), total);
            failures.forEach(f -> out.println("  failed: " + f.message()));
            out.flush();
            return failures.isEmpty() ? BatchJob.EXIT_OK : BatchJob.EXIT_SOME_FAILED;
        }

        /**
         * Opens the model and creates the method on the driver, on the CPU (the driver needs no GPU), so that a corrupt
         * model, an unknown class or a bad method setting ends the job with one line before any task starts.
         */
        private void checkModelAndMethod(BatchJob job) throws JobFailure {
            java.nio.file.Path model;
            java.nio.file.Path scratch;
            try {
                scratch = Files.createTempDirectory("heed-spark-check-");
                if (HadoopOutput.isLocal(a.model())) {
                    model = HadoopOutput.localPath(a.model());
                } else {
                    Path remote = new Path(a.model());
                    model = scratch.resolve(remote.getName());
                    HadoopOutput.fileSystem(remote, hadoop).copyToLocalFile(false, remote, new Path(model.toUri()), true);
                }
            } catch (IOException e) {
                throw new JobFailure(a.model() + ": cannot read the model (" + e.getMessage() + ")", e);
            }
            String named = Backends.Choice.parse(o.backend()).name(); // the driver opens no device
            String backend = named.equals("cuda") ? "cpu" : named;
            try (OverlayRunner check = new OverlayRunner(o.relocated(model, scratch, backend), job, line -> { }, line -> { })) {
                // opened and closed: the check is that it opens
            }
        }

        private static String firstLine(String message) {
            if (message == null) {
                return "no message";
            }
            int nl = message.indexOf('\n');
            return nl < 0 ? message : message.substring(0, nl);
        }
    }
}
