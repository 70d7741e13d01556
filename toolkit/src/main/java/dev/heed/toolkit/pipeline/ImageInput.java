package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import java.io.IOException;
import java.nio.file.Path;

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
