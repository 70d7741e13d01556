package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.text.MiniLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The models {@code heed attention} takes by name or file: {@code minilm} (bundled in the jar) or a BERT-style .onnx
 * file, and {@code vit} (the bundled Fashion-MNIST ViT, found under {@code $HEED_HOME}) or a ViT zip. A file that is
 * missing or not such a model is an {@link IOException} with one line that names it.
 */
public final class AttentionModels {
    private AttentionModels() {
    }

    /** The text model; {@code maxTokens} beyond its positions is an {@link IllegalArgumentException} naming the option. */
    public static MiniLm text(String model, int maxTokens) throws IOException {
        MiniLm loaded = model.equals("minilm") ? MiniLm.bundled() : MiniLm.load(Path.of(model));
        if (maxTokens > loaded.maxPositions()) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + ": beyond the model's " + loaded.maxPositions()
                    + " positions (" + model + ")");
        }
        return loaded;
    }

    /** The zip file of an image model: {@code vit} is the bundled one. */
    public static Path vitZip(String model) {
        return model.equals("vit") ? Path.of(System.getenv().getOrDefault("HEED_HOME", ".")).resolve("toolkit/models/fashion-vit.zip")
                : Path.of(model);
    }

    public static VisionTransformer vit(String model) throws IOException {
        Path zip = vitZip(model);
        if (!Files.isRegularFile(zip)) {
            throw new IOException("--model " + model + ": the bundled model " + zip + " is missing (run from the Heed folder or set HEED_HOME)");
        }
        try {
            return VisionTransformer.load(zip);
        } catch (IOException | RuntimeException e) {
            String problem = e.getMessage() == null ? e.toString() : e.getMessage();
            // the zip reader's own messages ("zip END header not found") do not say which file
            throw new IOException(problem.contains(zip.toString()) ? problem : zip + ": not a Heed ViT model (" + problem + ")", e);
        }
    }
}
