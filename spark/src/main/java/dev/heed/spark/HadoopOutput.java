package dev.heed.spark;

import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The output folder on any Hadoop file system. A local folder (or a shared mount) is written in place by the
 * toolkit's own writer, each file atomically and the index last, as {@code heed overlay} writes it. For any other file
 * system, executors write a chunk's files to a local folder first; committing copies each to a staging name under {@code _heed-staging/<attempt>/} and renames it
 * into place, the image indexes last. Names are fixed by the inputs and contents by the seed, so a retried or
 * speculative attempt can only replace a file by the same bytes, and a killed one leaves nothing but its staging
 * folder, which the driver removes at the end.
 */
final class HadoopOutput implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String STAGING = "_heed-staging";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String root;
    private final HadoopConf conf;

    HadoopOutput(String root, HadoopConf conf) {
        this.root = root;
        this.conf = conf;
    }

    String root() {
        return root;
    }

    /** Hadoop's local file system without its {@code .crc} side files, which {@code heed overlay} does not write. */
    static FileSystem fileSystem(Path path, HadoopConf conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf.get());
        return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
    }

    /** Whether {@code path} is on the local file system (no scheme, or {@code file:}), where the toolkit reads it directly. */
    static boolean isLocal(String path) {
        String scheme = new Path(path).toUri().getScheme();
        return scheme == null || scheme.equals("file");
    }

    /** {@code path} (local) as the toolkit names it: as written, without a {@code file:} prefix. */
    static java.nio.file.Path localPath(String path) {
        return path.startsWith("file:") ? java.nio.file.Path.of(URI.create(path)) : java.nio.file.Path.of(path);
    }

    /** {@code heed overlay}'s rule for the output folder, on any file system: never an input folder, created, writable. */
    void prepare(List<String> inputs) throws JobFailure {
        if (isLocal(root) && inputs.stream().allMatch(HadoopOutput::isLocal)) {
            BatchJob.prepareOutput(localPath(root), inputs.stream().map(HadoopOutput::localPath).toList());
            return;
        }
        Path out = new Path(root);
        try {
            FileSystem fs = fileSystem(out, conf);
            for (String in : inputs) {
                Path input = new Path(in);
                if (fileSystem(input, conf).getUri().equals(fs.getUri()) && fs.exists(out)
                        && fs.makeQualified(input).equals(fs.makeQualified(out))) {
                    throw new JobFailure(root + ": the output folder must not be an input folder (inputs are never touched)", null);
                }
            }
            fs.mkdirs(out);
            Path probe = new Path(out, ".heed-write-check-" + UUID.randomUUID() + ".tmp");
            fs.create(probe, false).close();
            fs.delete(probe, false);
        } catch (IOException | RuntimeException e) {
            throw new JobFailure(root + ": output folder is not writable (" + e.getMessage() + ")", e);
        }
    }

    /** A finished image's index as last committed, or null when there is none or it cannot be read (the image is redone). */
    record Index(Object settings, long modified) {
    }

    Index index(String name) {
        Path file = new Path(root, name);
        try {
            FileSystem fs = fileSystem(file, conf);
            FileStatus status;
            try {
                status = fs.getFileStatus(file);
            } catch (java.io.FileNotFoundException e) {
                return null;
            }
            Map<?, ?> index;
            try (InputStream in = fs.open(file)) {
                index = JSON.readValue(in, Map.class);
            }
            return new Index(index.get("settings"), status.getModificationTime());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Moves every file of {@code local} into the output folder, those named in {@code last} (the image indexes) after
     * all others. In JSON files, each {@code rename} key (a local copy of a remote input) is replaced by its value (the
     * input as the user named it), so sidecars name the user's file, not the executor's copy.
     */
    void commit(java.nio.file.Path local, Set<String> last, String attempt, Map<String, String> rename) throws IOException {
        List<java.nio.file.Path> files;
        try (Stream<java.nio.file.Path> s = Files.list(local)) {
            files = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
        }
        files.sort((a, b) -> Boolean.compare(last.contains(a.getFileName().toString()), last.contains(b.getFileName().toString())));
        Path out = new Path(root);
        FileSystem fs = fileSystem(out, conf);
        Path staging = new Path(new Path(out, STAGING), attempt);
        for (java.nio.file.Path f : files) {
            String name = f.getFileName().toString();
            if (!rename.isEmpty() && name.endsWith(".json")) {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                for (Map.Entry<String, String> e : rename.entrySet()) {
                    text = text.replace(JSON.writeValueAsString(e.getKey()), JSON.writeValueAsString(e.getValue()));
                }
                Files.writeString(f, text, StandardCharsets.UTF_8);
            }
            Path temporary = new Path(staging, name);
            fs.copyFromLocalFile(false, true, new Path(f.toUri()), temporary);
            Path target = new Path(out, name);
            // HDFS and object stores refuse to rename onto an existing file; the one there has the same bytes (a
            // retried attempt), or is stale (other settings), so it is replaced.
            if (!fs.rename(temporary, target)) {
                fs.delete(target, false);
                if (!fs.rename(temporary, target)) {
                    throw new IOException(target + ": cannot move " + temporary + " into place");
                }
            }
            Files.delete(f);
        }
        fs.delete(staging, true);
    }

    /**
     * Removes what killed attempts left: staging folders of a remote output, and in a local output the toolkit's
     * half-written temporary files ({@code .<name>*.tmp}, never an output name).
     */
    void removeStaging() throws IOException {
        Path staging = new Path(new Path(root), STAGING);
        fileSystem(staging, conf).delete(staging, true);
        if (isLocal(root)) {
            try (Stream<java.nio.file.Path> s = Files.list(localPath(root))) {
                for (java.nio.file.Path f : s.filter(f -> f.getFileName().toString().matches("\\..+\\.tmp")).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Copies one local file (the summary) into the output folder by the same staged rename. */
    void put(java.nio.file.Path file, String attempt) throws IOException {
        java.nio.file.Path folder = file.getParent();
        commit(folder, Set.of(), attempt, Map.of());
    }
}
