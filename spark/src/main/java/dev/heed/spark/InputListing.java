package dev.heed.spark;

import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.pipeline.BatchJob.JobFailure;
import dev.heed.toolkit.pipeline.ImageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver's list of image files, with {@code heed overlay}'s rules: a folder gives its image files (not hidden,
 * sorted, not recursive), a file is taken as it is, a missing path ends the job, and two files whose outputs would
 * share a name fail the second. Local inputs go through the toolkit's own listing, so their names are exactly the
 * CLI's; other file systems are listed through Hadoop by the same rules.
 */
final class InputListing {
    private InputListing() {
    }

    static List<String> list(List<String> inputs, HadoopConf conf, BatchJob job, Consumer<String> warnings,
                             BiConsumer<String, String> failed) throws JobFailure {
        if (inputs.stream().allMatch(HadoopOutput::isLocal)) {
            int before = job.failures().size();
            List<String> files = job.inputFiles(inputs.stream().map(HadoopOutput::localPath).toList(), warnings).stream()
                    .map(java.nio.file.Path::toString).toList();
            job.failures().subList(before, job.failures().size()).forEach(f -> failed.accept(f.file().toString(), f.message()));
            return files;
        }
        List<Path> files = new ArrayList<>();
        for (String in : inputs) {
            Path path = new Path(in);
            try {
                FileSystem fs = HadoopOutput.fileSystem(path, conf);
                if (!fs.exists(path)) {
                    throw new JobFailure(in + ": no such file or folder (--input)", null);
                }
                FileStatus status = fs.getFileStatus(path);
                if (status.isDirectory()) {
                    List<FileStatus> entries = Arrays.stream(fs.listStatus(path)).filter(FileStatus::isFile)
                            .filter(s -> !s.getPath().getName().startsWith(".")).sorted(Comparator.comparing(s -> s.getPath().getName()))
                            .toList();
                    List<FileStatus> images = entries.stream().filter(s -> BatchJob.hasImageExtension(java.nio.file.Path.of(s.getPath().getName())))
                            .toList();
                    if (images.size() < entries.size()) {
                        warnings.accept(in + ": ignoring " + (entries.size() - images.size()) + " file(s) without an image extension");
                    }
                    images.forEach(s -> files.add(s.getPath()));
                } else {
                    files.add(path);
                }
            } catch (IOException e) {
                job.warn(in + ": cannot list folder (" + e.getMessage() + ")");
                failed.accept(in, in + ": cannot list folder (" + e.getMessage() + ")");
            }
        }
        if (files.isEmpty()) {
            throw new JobFailure(String.join(", ", inputs) + ": no images (.png, .jpg, .jpeg, .bmp, .gif) found (--input)", null);
        }
        Map<String, Path> stems = new HashMap<>();
        List<String> unique = new ArrayList<>();
        for (Path f : files) {
            Path earlier = stems.putIfAbsent(ImageInput.stemOf(java.nio.file.Path.of(f.getName())), f);
            if (earlier != null && !earlier.equals(f)) {
                String message = f + ": its outputs would have the same name as those of " + earlier + "; rename one of them";
                job.warn(message);
                failed.accept(f.toString(), message);
            } else if (earlier == null) {
                unique.add(f.toString());
            }
        }
        return unique;
    }
}
