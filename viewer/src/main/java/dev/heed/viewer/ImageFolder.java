package dev.heed.viewer;

import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The images of a folder prepared for a model; unreadable ones are skipped with a note naming the file and why. */
final class ImageFolder {
    final List<MapSource.DisplayImage> images = new ArrayList<>();
    final List<float[]> inputs = new ArrayList<>();
    final List<String> skipped = new ArrayList<>();

    ImageFolder(Path folder, ModelCard card) throws IOException {
        List<Path> files;
        if (Files.isRegularFile(folder)) {
            files = List.of(folder);
        } else {
            try (Stream<Path> s = Files.list(folder)) {
                files = s.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
            } catch (IOException e) {
                throw new IOException(folder + ": cannot list the folder (" + e.getMessage() + ")", e);
            }
        }
        for (Path file : files) {
            try {
                InputImage image = InputImage.read(file);
                float[] input = ModelInput.prepare(image, card, ModelInput.Resize.STRETCH);
                inputs.add(input);
                images.add(new MapSource.DisplayImage(file.getFileName().toString(), card.width(), card.height(), displayRgb(input, card)));
            } catch (IOException | RuntimeException e) {
                skipped.add(e.getMessage() != null ? e.getMessage() : file + ": " + e);
            }
        }
        if (images.isEmpty()) {
            throw new IOException(folder + ": no readable images" + (skipped.isEmpty() ? "" : " (" + skipped.get(0) + ")"));
        }
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif");
    }

    /** The model input back to 8-bit RGB, so the viewer shows exactly what the model saw. */
    static int[] displayRgb(float[] input, ModelCard card) {
        int plane = card.height() * card.width();
        int[] rgb = new int[plane];
        for (int p = 0; p < plane; p++) {
            int[] c = new int[3];
            for (int ch = 0; ch < 3; ch++) {
                int from = card.channels() == 1 ? 0 : ch;
                c[ch] = Math.max(0, Math.min(255, Math.round((float) (input[from * plane + p] / card.pixelScale()))));
            }
            rgb[p] = c[0] << 16 | c[1] << 8 | c[2];
        }
        return rgb;
    }
}
