package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Montage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The write stage: output names, and every file written atomically (a temporary file moved into place), so an
 * interrupted run leaves whole files or none, and a rerun finds an image done only once its index exists.
 */
public final class OutputWriter {
    private final Path folder;
    private final String method;

    public OutputWriter(Path folder, String method) {
        this.folder = folder;
        this.method = method;
    }

    /** {@code <stem>.<method>.c<class>-<class name in lower case, non-alphanumerics as '-'>}. */
    public String baseName(String stem, int classIndex, String className) {
        return stem + "." + method + ".c" + classIndex + "-" + className.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    public Path folder() {
        return folder;
    }

    public Path indexFile(String stem) {
        return folder.resolve(stem + "." + method + ".json");
    }

    /** The overlay PNG with its colour bar, the raw map as .npy (float32) and the provenance sidecar. */
    public void writeMap(Renderer.Rendered rendered, String base, MapProvenance provenance) throws IOException {
        Images.writePngAtomically(rendered.withColorBar(), folder.resolve(base + ".png"));
        AtomicFiles.write(folder.resolve(base + ".npy"), Npy.encode(rendered.map().values(), rendered.map().height(), rendered.map().width()));
        Json.write(folder.resolve(base + ".json"), provenance.toJson());
    }

    public void writeIndex(String stem, ImageIndex index) throws IOException {
        Json.write(indexFile(stem), index.toJson());
    }

    /** The batch's overlays in a square-ish grid with their labels. */
    public void writeMontage(List<BufferedImage> tiles, List<String> labels, int batch) throws IOException {
        int columns = (int) Math.ceil(Math.sqrt(tiles.size()));
        Images.writePngAtomically(Montage.grid(tiles, labels, columns), folder.resolve(String.format("montage.%s.%04d.png", method, batch)));
    }

    public void writeSummary(JobSummary summary) throws IOException {
        Json.write(folder.resolve("summary." + method + ".json"), summary.toJson());
    }
}
