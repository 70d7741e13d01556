package dev.heed.toolkit.render;

import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * Conversions between packed 0xRRGGBB pixel arrays, which the maths in this package works on, and
 * {@link BufferedImage}s, plus the PNG writer the CLI uses. Alpha is dropped everywhere: overlays are opaque.
 */
public final class Images {

    private Images() {
    }

    /** A TYPE_INT_RGB image of the given packed pixels, row-major; the top byte of each pixel is ignored. */
    public static BufferedImage toImage(int[] rgb, int width, int height) {
        if (width < 1 || height < 1 || rgb.length != (long) width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image needs " + (long) width * height
                    + " pixels, got " + rgb.length);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    /**
     * The image's pixels as packed 0xRRGGBB, row-major, whatever its type. Alpha is dropped, not composited, so a
     * transparent pixel keeps its colour. Grey images are read as stored (a sample of 128 of 255 becomes
     * 0x808080, a 16-bit sample is scaled to 8 bits) rather than through Java2D's {@code getRGB}, which treats grey
     * as linear and brightens it.
     */
    public static int[] pixels(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        ColorModel model = image.getColorModel();
        if (model instanceof ComponentColorModel && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = image.getRaster();
            double scale = 255.0 / ((1L << model.getComponentSize(0)) - 1);
            int[] out = new int[width * height];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int v = (int) Math.round(raster.getSample(x, y, 0) * scale);
                    out[y * width + x] = v * 0x010101;
                }
            }
            return out;
        }
        int[] out = image.getRGB(0, 0, width, height, null, 0, width);
        for (int i = 0; i < out.length; i++) {
            out[i] &= 0xFFFFFF;
        }
        return out;
    }

    /** The overlay with the colour bar to its right, both top-aligned on white. */
    public static BufferedImage withColorBar(BufferedImage overlay, BufferedImage bar) {
        int width = overlay.getWidth() + bar.getWidth();
        int height = Math.max(overlay.getHeight(), bar.getHeight());
        BufferedImage out = blank(width, height, 0xFFFFFF);
        paste(out, overlay, 0, 0);
        paste(out, bar, overlay.getWidth(), 0);
        return out;
    }

    /**
     * Writes a PNG so that {@code target} is either its old self or the complete new image, never a partial file:
     * the image goes to a hidden temporary file in the same directory (same file system, so the rename is atomic),
     * which is then moved over the target. The temporary file is removed if anything fails.
     */
    public static void writePngAtomically(BufferedImage image, Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            // The File overload writes straight to the file; the stream overload may cache in the system temp dir.
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer accepts image type " + image.getType());
            }
            // On disk before the rename, so a crash cannot leave an empty file under the final name.
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** A TYPE_INT_RGB image filled with one colour. */
    static BufferedImage blank(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(new Color(rgb));
            g.fillRect(0, 0, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Copies {@code source} into {@code target} at (x, y), converting it as {@link #pixels} does. */
    static void paste(BufferedImage target, BufferedImage source, int x, int y) {
        target.setRGB(x, y, source.getWidth(), source.getHeight(), pixels(source), 0, source.getWidth());
    }

    /** Font metrics of the label font, for sizing an image before drawing text into it. */
    static FontMetrics textMetrics() {
        Graphics2D g = textGraphics(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        try {
            return g.getFontMetrics();
        } finally {
            g.dispose();
        }
    }

    /** A graphics context for labels: default font, black, antialiased. The caller disposes it. */
    static Graphics2D textGraphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        return g;
    }
}
