package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One image ready for the model: the file as read, its stem (which names its outputs and seeds its noise), the region
 * of it the model sees, and the model input {@code [C][H][W]} made from that region.
 */
public record ImageInput(InputImage image, String stem, ModelInput.Region region, float[] values) {

    /**
     * Reads and prepares {@code file}. A file that cannot be read is an {@link IOException} with one line naming it; one
     * the model cannot take (its channels) an {@link IllegalArgumentException} with the same.
     */
    public static ImageInput load(Path file, ModelCard card, ModelInput.Resize resize) throws IOException {
        InputImage image = InputImage.read(file);
        try {
            ModelInput.Region region = ModelInput.region(image.width(), image.height(), card, resize);
            return new ImageInput(image, stemOf(file), region, ModelInput.prepare(image, card, resize));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot prepare the image for the model (" + e + ")", e);
        }
    }

    /**
     * {@link #load}s each of {@code files}, in order; one that cannot be read or prepared goes to {@code unusable} with
     * its one line, and the others carry on.
     */
    public static List<ImageInput> loadAll(List<Path> files, ModelCard card, ModelInput.Resize resize, BiConsumer<Path, String> unusable) {
        List<ImageInput> loaded = new ArrayList<>();
        for (Path f : files) {
            try {
                loaded.add(load(f, card, resize));
            } catch (IOException | RuntimeException e) {
                unusable.accept(f, e.getMessage());
            }
        }
        return loaded;
    }

    /** Model inputs {@code [C][H][W]} of {@code card}'s shape stacked into one batch {@code [N][C][H][W]}. */
    public static INDArray stack(List<float[]> values, ModelCard card) {
        int size = card.channels() * card.height() * card.width();
        float[] batch = new float[values.size() * size];
        for (int i = 0; i < values.size(); i++) {
            System.arraycopy(values.get(i), 0, batch, i * size, size);
        }
        return Nd4j.create(batch, new long[] {values.size(), card.channels(), card.height(), card.width()}, 'c');
    }

    public Path file() {
        return image.file();
    }

    /** The file name without its last extension: {@code boot.png} gives {@code boot}. */
    public static String stemOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
