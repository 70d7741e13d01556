package dev.heed.toolkit.engine.source;

import dev.heed.toolkit.model.ModelCard;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model file of any format Heed reads, deciding by its first bytes, not its name. */
public final class ModelSources {
    private ModelSources() {
    }

    /**
     * A zip (DL4J's {@code ModelSerializer}) or anything else, which must then be an ONNX protobuf.
     *
     * @throws IOException a missing, unreadable, corrupt or unsuitable file: one line naming it
     * @throws dev.heed.toolkit.engine.plan.UnsupportedLayerException an ONNX node the plan cannot express
     */
    public static ModelSource open(Path file, ModelOptions options) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a folder, not a model file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such model file");
        }
        if (isZip(file)) {
            if (options.preset() != null || options.mean() != null) {
                throw new IOException(file + ": --preset, --mean and --std apply to ONNX models; a DL4J model's input is "
                        + "set by its heed.json card (or --input-shape, --pixel-scale, --labels)");
            }
            return Dl4jSource.open(file, dl4jCard(options), options);
        }
        return OnnxSource.open(file, options);
    }

    /** The card the options give a DL4J zip, or null to use the one stored in it. */
    private static ModelCard dl4jCard(ModelOptions options) throws IOException {
        if (options.inputShape() == null) {
            return null;
        }
        int[] s = options.inputShape();
        double scale = options.pixelScale() == null ? 1.0 / 255 : options.pixelScale();
        return new ModelCard(s[0], s[1], s[2], scale, options.labels() == null ? java.util.List.of() : ModelCard.readLabels(options.labels()));
    }

    /** Whether {@code file} starts with a zip's local-file header (DL4J's ModelSerializer writes zips). */
    public static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }
}
