package dev.heed.toolkit.io;

import dev.heed.toolkit.render.Images;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image file decoded to packed 8-bit RGB, with a note of every conversion applied (bit depth, gray, alpha), so the
 * sidecar can say what the model saw. Decoding errors become one {@link IOException} line naming the file.
 *
 * @param conversions what was done to the pixels, empty when the file was already 8-bit RGB
 */
public record InputImage(Path file, int width, int height, int[] rgb, List<String> conversions) {

    public InputImage {
        rgb = rgb.clone();
        conversions = List.copyOf(conversions);
    }

    @Override
    public int[] rgb() {
        return rgb.clone();
    }

    public static InputImage read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (size == 0) {
            throw new IOException(file + ": empty file (0 bytes)");
        }
        BufferedImage image;
        try (InputStream raw = Files.newInputStream(file); ImageInputStream in = ImageIO.createImageInputStream(raw)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + ": not an image this tool can read (PNG, JPEG, BMP, GIF, WBMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                image = reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw new IOException(file + ": truncated or corrupt " + reader.getFormatName().toUpperCase() + " image ("
                        + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")", e);
            } finally {
                reader.dispose();
            }
        }
        if (image == null || image.getWidth() < 1 || image.getHeight() < 1) {
            throw new IOException(file + ": the image has no pixels");
        }
        List<String> conversions = new ArrayList<>();
        ColorModel model = image.getColorModel();
        int bits = model.getComponentSize(0);
        if (bits != 8) {
            conversions.add(bits + "-bit samples scaled to 8-bit");
        }
        if (model.getNumColorComponents() == 1) {
            conversions.add("gray replicated to RGB");
        }
        if (model.hasAlpha()) {
            conversions.add("alpha channel dropped");
        }
        return new InputImage(file, image.getWidth(), image.getHeight(), Images.pixels(image), conversions);
    }
}
