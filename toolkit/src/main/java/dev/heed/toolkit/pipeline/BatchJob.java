package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.engine.source.ModelSources;
import dev.heed.toolkit.io.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What every batch command shares: one rule for the output folder, the input files, resume by settings, the failures
 * (each one line naming its file, printed as it happens and kept for the summary) and the exit code.
 */
public final class BatchJob {
    public static final int EXIT_OK = 0;
    public static final int EXIT_SOME_FAILED = 1;
    public static final int EXIT_JOB_FAILED = 2;

    /** An exception that ends the whole job, carrying its one-line message. */
    public static final class JobFailure extends Exception {
        public JobFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PrintWriter err;
    private final List<Failure> failures = new ArrayList<>();

    public BatchJob(PrintWriter err) {
        this.err = err;
    }

    /**
     * Prints {@code message} (which names the input) and keeps it for the summary. {@code file} is null for an input
     * that is no file (a {@code --text} argument).
     */
    public void fail(Path file, String message) {
        err.println(message);
        err.flush();
        failures.add(new Failure(file, message));
    }

    /** A problem that fails no input (a montage that could not be written), printed only. */
    public void warn(String message) {
        err.println(message);
        err.flush();
    }

    public void failAll(List<Failure> more) {
        more.forEach(f -> fail(f.file(), f.message()));
    }

    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    public int exitCode() {
        return failures.isEmpty() ? EXIT_OK : EXIT_SOME_FAILED;
    }

    /**
     * The one rule for an output folder: never an input folder (inputs are never touched, so not even a probe file may
     * land among them), created if missing, and proven writable by writing a probe file.
     */
    public static void prepareOutput(Path output, List<Path> inputs) throws JobFailure {
        for (Path in : inputs) {
            try {
                if (Files.isDirectory(in) && Files.exists(output) && Files.isSameFile(in, output)) {
                    throw new JobFailure(output + ": the output folder must not be an input folder (inputs are never touched)", null);
                }
            } catch (IOException e) {
                // an input that cannot be resolved is reported when the inputs are expanded
            }
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new JobFailure(output + ": exists and is not a folder", null);
        }
        try {
            Files.createDirectories(output);
            Path probe = Files.createTempFile(output, ".heed-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new JobFailure(output + ": output folder is not writable (" + reason(e) + ")", e);
        }
    }

    /** Why a file operation failed, without repeating the path the message already names. */
    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a folder";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    /**
     * The image files {@code inputs} name, each once per stem: a misspelt path ends the job (a bad option, not a
     * failed image), a folder's other files give a warning through {@code warnings}, and two files whose outputs would
     * share a name fail the second.
     */
    public List<Path> inputFiles(List<Path> inputs, Consumer<String> warnings) throws JobFailure {
        for (Path in : inputs) {
            if (!Files.exists(in)) {
                throw new JobFailure(in + ": no such file or folder (--input)", null);
            }
        }
        List<Path> files = imageFiles(inputs, warnings, this::fail);
        if (files.isEmpty() && failures.isEmpty()) {
            throw new JobFailure(inputs.stream().map(Path::toString).collect(Collectors.joining(", "))
                    + ": no images (.png, .jpg, .jpeg, .bmp, .gif) found (--input)", null);
        }
        Map<String, Path> stems = new HashMap<>();
        List<Path> unique = new ArrayList<>();
        for (Path f : files) {
            Path earlier = stems.putIfAbsent(ImageInput.stemOf(f), f);
            // a file named on its own and again through its folder is done once, where it first appears
            if (earlier != null && !earlier.toAbsolutePath().normalize().equals(f.toAbsolutePath().normalize())) {
                fail(f, f + ": its outputs would have the same name as those of " + earlier + "; rename one of them");
            } else if (earlier == null) {
                unique.add(f);
            }
        }
        return unique;
    }

    /**
     * The files that {@code inputs} name, in order: a folder gives its image files (not hidden ones, sorted, not
     * recursive) and a note on {@code notes} of how many other files it skipped; a file is taken as it is. A path that
     * is neither, or a folder that cannot be listed, goes to {@code unusable} with a one-line message naming it.
     */
    public static List<Path> imageFiles(List<Path> inputs, Consumer<String> notes, BiConsumer<Path, String> unusable) {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> list = Files.list(in)) {
                    List<Path> entries = list.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted()
                            .toList();
                    List<Path> images = entries.stream().filter(BatchJob::hasImageExtension).toList();
                    if (images.size() < entries.size()) {
                        notes.accept(in + ": ignoring " + (entries.size() - images.size()) + " file(s) without an image extension");
                    }
                    files.addAll(images);
                } catch (IOException e) {
                    unusable.accept(in, in + ": cannot list folder (" + e.getMessage() + ")");
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                unusable.accept(in, in + ": no such file or folder");
            }
        }
        return files;
    }

    /** Folders contribute image files only; a file named on the command line is always tried. */
    public static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".bmp") || name.endsWith(".gif");
    }

    /** Which files to do: those without a finished index, or whose index was made with other settings. */
    public record Resume(List<Path> todo, int skipped, int stale) {
    }

    /**
     * Resume by settings: a file whose index (from {@code indexOf}) holds {@code settings} is skipped, one with other
     * settings is redone, and {@code force} redoes all. An unreadable index counts as other settings.
     */
    public static Resume resume(List<Path> files, Function<Path, Path> indexOf, Map<String, Object> settings, boolean force,
                                Function<Path, Object> readSettings) {
        List<Path> todo = new ArrayList<>();
        int skipped = 0;
        int stale = 0;
        for (Path f : files) {
            Path index = indexOf.apply(f);
            if (force || !Files.exists(index)) {
                todo.add(f);
            } else if (settings.equals(readSettings.apply(index))) {
                skipped++;
            } else {
                stale++;
                todo.add(f);
            }
        }
        return new Resume(todo, skipped, stale);
    }

    /**
     * Resume by settings for inputs that are not image files (sentences, lines of a file), decided one input at a time
     * in order: one that {@code usable} refuses is dropped (it has reported itself), one finished with {@code settings}
     * goes to {@code skipped}, and the others, or all with {@code force}, are returned to do.
     */
    public static <T> List<T> unfinished(List<T> items, Predicate<T> usable, Function<T, Path> indexOf, Map<String, Object> settings,
                                         boolean force, Consumer<T> skipped) {
        List<T> todo = new ArrayList<>();
        for (T item : items) {
            if (!usable.test(item)) {
                continue;
            }
            if (!force && finishedWith(indexOf.apply(item), settings)) {
                skipped.accept(item);
            } else {
                todo.add(item);
            }
        }
        return todo;
    }

    /**
     * Whether the input whose index (or provenance) file is {@code index} was finished with {@code settings}, so that
     * resume skips it; an unreadable index counts as other settings.
     */
    public static boolean finishedWith(Path index, Map<String, Object> settings) {
        return Files.exists(index) && settings.equals(readSettings(index));
    }

    /** The model file as a source; a missing, corrupt or unsuitable file ends the job with one line naming it. */
    public static ModelSource openModel(Path model, ModelOptions options) throws JobFailure {
        try {
            return ModelSources.open(model, options);
        } catch (IOException e) {
            throw new JobFailure(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new JobFailure(model + ": " + e.getMessage(), e);
        }
    }

    /** The map backend the user chose ({@code cpu}, {@code cuda}, {@code auto}); its choice goes to {@code log}. */
    public static Backend openBackend(String choice, int threads, Consumer<String> log) throws JobFailure {
        try {
            return Backends.open(choice, threads, log);
        } catch (RuntimeException e) {
            throw new JobFailure(e.getMessage(), e);
        }
    }

    /** Where the model pass runs ({@link ModelPassEngine#open}); a model the chosen engine cannot run ends the job. */
    public static ModelPassEngine openEngine(ModelSource source, String requested, Backend backend, String precision,
                                             Consumer<String> log) throws JobFailure {
        try {
            return ModelPassEngine.open(source, requested, backend.id(), precision, log);
        } catch (RuntimeException e) {
            throw new JobFailure(source.file() + ": " + e.getMessage(), e);
        }
    }

    /** The settings an index file recorded, or null when it cannot be read (the image is then redone). */
    public static Object readSettings(Path index) {
        try {
            return Json.read(index).get("settings");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
