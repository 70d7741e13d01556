package dev.heed.spark;

import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.cli.OverlayArguments;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.Failure;
import dev.heed.toolkit.pipeline.ImageInput;
import dev.heed.toolkit.pipeline.OverlayOptions;
import dev.heed.toolkit.pipeline.OverlayRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;

/**
 * The executor's side of the job: one chunk of images through the toolkit's {@link OverlayRunner}, then its outputs
 * committed to the output folder. The model and backend are opened once per executor JVM and device (a lazy static
 * holder), not once per task; tasks on one device take turns, since a model's forward pass is not thread-safe.
 */
final class ChunkTask implements Function<Chunk, ChunkOutcome> {
    private static final long serialVersionUID = 1L;

    /** One executor JVM's runners, by job arguments and device. */
    private static final Map<String, Executor> EXECUTORS = new ConcurrentHashMap<>();

    private final List<String> args;
    private final HadoopOutput output;
    private final HadoopConf conf;
    private final String method;
    private final boolean force;
    private final long jobStartMillis;

    ChunkTask(List<String> args, HadoopOutput output, HadoopConf conf, String method, boolean force, long jobStartMillis) {
        this.args = List.copyOf(args);
        this.output = output;
        this.conf = conf;
        this.method = method;
        this.force = force;
        this.jobStartMillis = jobStartMillis;
    }

    /**
     * A runner with its local model copy and folders: {@code staging} is where the runner writes, a local folder whose
     * files are then committed to a remote output, or null when the output folder is local and the runner writes
     * there itself (atomically per file, index last, as {@code heed overlay} does).
     */
    private record Executor(OverlayRunner runner, java.nio.file.Path staging, java.nio.file.Path inputs) {
    }

    @Override
    public ChunkOutcome call(Chunk chunk) throws Exception {
        String gpu = assignedGpu();
        Executor ex = EXECUTORS.computeIfAbsent(String.join("\u0000", args) + "\u0000gpu=" + gpu, k -> open(gpu));
        synchronized (ex) {
            return run(chunk, ex);
        }
    }

    /** The GPU Spark assigned this task ({@code spark.task.resource.gpu.amount}), or "none". */
    private static String assignedGpu() {
        TaskContext task = TaskContext.get();
        ResourceInformation gpu = task == null ? null : task.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? "none" : gpu.addresses()[0];
    }

    /**
     * The user's {@code --backend} bound to the GPU Spark assigned: {@code cuda} and {@code auto} become
     * {@code cuda:N} and {@code auto:N} for the address N Spark gave (the discovery script lists nvidia-smi indices, CUDA
     * ordinals when executors run with CUDA_DEVICE_ORDER=PCI_BUS_ID, as heed spark --help sets),
     * so two executors on one node never share device 0. Without an assigned GPU, or with {@code cpu}, it is unchanged;
     * an explicit device ({@code cuda:2}) is the user's and is kept.
     */
    static String onAssignedGpu(String backend, String gpu) {
        Backends.Choice choice = Backends.Choice.parse(backend);
        if (gpu.equals("none") || backend.contains(":") || choice.name().equals("cpu")) {
            return backend;
        }
        if (!gpu.matches("[0-9]{1,4}")) {
            throw new IllegalStateException("heed spark: Spark assigned GPU '" + gpu + "', not a device ordinal; the discovery "
                    + "script must list CUDA ordinals (spark/gpu-discovery.sh does)");
        }
        return choice.name() + ":" + gpu;
    }

    private Executor open(String gpu) {
        try {
            OverlayArguments parsed = OverlayArguments.parse(args.toArray(String[]::new));
            java.nio.file.Path staging = HadoopOutput.isLocal(output.root()) ? null : Files.createTempDirectory("heed-spark-out-");
            java.nio.file.Path inputs = Files.createTempDirectory("heed-spark-in-");
            java.nio.file.Path model = localModel(parsed.model());
            OverlayOptions o = parsed.options();
            PrintWriter err = new PrintWriter(System.err, true);
            String backend = onAssignedGpu(o.backend(), gpu);
            if (!gpu.equals("none")) {
                err.println("heed spark: this executor's tasks hold GPU " + gpu + ": --backend " + backend);
            }
            java.nio.file.Path writeTo = staging == null ? HadoopOutput.localPath(output.root()) : staging;
            OverlayRunner runner = new OverlayRunner(o.relocated(model, writeTo, backend), new BatchJob(err), err::println,
                    line -> err.println("heed spark: " + line));
            return new Executor(runner, staging, inputs);
        } catch (OverlayArguments.Invalid | JobFailure | IOException e) {
            throw new IllegalStateException("heed spark: " + e.getMessage(), e);
        }
    }

    /** The model as a local file: itself when local, else a copy (same file name, so its format is known) once per JVM. */
    private java.nio.file.Path localModel(String model) throws IOException {
        if (HadoopOutput.isLocal(model)) {
            return HadoopOutput.localPath(model);
        }
        Path remote = new Path(model);
        java.nio.file.Path local = Files.createTempDirectory("heed-spark-model-").resolve(remote.getName());
        HadoopOutput.fileSystem(remote, conf).copyToLocalFile(false, remote, new Path(local.toUri()), true);
        return local;
    }

    private ChunkOutcome run(Chunk chunk, Executor ex) throws IOException {
        Map<String, Object> settings = ex.runner().settings();
        List<String> todo = new ArrayList<>();
        int skipped = 0;
        for (String file : chunk.files()) {
            HadoopOutput.Index index = force ? null : output.index(indexName(file));
            // An index written since this job started is an earlier attempt of this very task (a lost executor's),
            // which may have died before the batch's montage: redo it, rewriting the same bytes.
            if (index != null && settings.equals(index.settings()) && index.modified() < jobStartMillis) {
                skipped++; // finished by an earlier run, as heed overlay skips it
            } else {
                todo.add(file);
            }
        }
        clear(ex.inputs());
        if (ex.staging() != null) {
            clear(ex.staging()); // what a failed earlier task of this JVM left
        }
        Map<java.nio.file.Path, String> named = new LinkedHashMap<>();
        Map<String, String> rename = new LinkedHashMap<>();
        for (String file : todo) {
            java.nio.file.Path local;
            if (HadoopOutput.isLocal(file)) {
                local = HadoopOutput.localPath(file);
            } else {
                Path remote = new Path(file);
                local = ex.inputs().resolve(remote.getName());
                HadoopOutput.fileSystem(remote, conf).copyToLocalFile(false, remote, new Path(local.toUri()), true);
                rename.put(local.toString(), file);
            }
            named.put(local, file);
        }
        OverlayRunner.ChunkResult result = todo.isEmpty()
                ? new OverlayRunner.ChunkResult(0, 0, List.of(), 0, 0)
                : ex.runner().process(new ArrayList<>(named.keySet()), chunk.batch());
        Set<String> indexes = new HashSet<>();
        todo.forEach(f -> indexes.add(indexName(f)));
        TaskContext task = TaskContext.get();
        String attempt = task == null ? "driver-" + chunk.batch()
                : "stage" + task.stageId() + "-batch" + chunk.batch() + "-attempt" + task.taskAttemptId();
        if (ex.staging() != null) {
            output.commit(ex.staging(), indexes, attempt, rename);
        }
        List<ChunkOutcome.FailedInput> failures = new ArrayList<>();
        for (Failure f : result.failures()) {
            String message = f.message();
            for (Map.Entry<String, String> e : rename.entrySet()) {
                message = message.replace(e.getKey(), e.getValue());
            }
            failures.add(new ChunkOutcome.FailedInput(named.getOrDefault(f.file(), f.file().toString()), message));
        }
        return new ChunkOutcome(chunk.batch(), result.done(), skipped, result.maps(), failures,
                result.explainSeconds(), result.renderSeconds());
    }

    private String indexName(String file) {
        return ImageInput.stemOf(java.nio.file.Path.of(new Path(file).getName())) + "." + method + ".json";
    }

    private static void clear(java.nio.file.Path folder) throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(folder)) {
            for (java.nio.file.Path f : s.toList()) {
                Files.delete(f);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
