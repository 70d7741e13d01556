package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

    private static final int[] PIXELS = {0x000000, 0xFFFFFF, 0x123456, 0xFF8000, 0x00FF7F, 0xABCDEF};

    @TempDir
    Path dir;

    @Test
    void pixelsRoundTripThroughAnImage() {
        BufferedImage image = Images.toImage(PIXELS, 3, 2);
        assertEquals(3, image.getWidth());
        assertEquals(2, image.getHeight());
        assertEquals(0xABCDEF, image.getRGB(2, 1) & 0xFFFFFF);
        assertArrayEquals(PIXELS, Images.pixels(image));
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00123456);
        assertArrayEquals(new int[] {0x123456}, Images.pixels(image));
        assertArrayEquals(new int[] {0x123456}, Images.pixels(Images.toImage(new int[] {0x7F123456}, 1, 1)));
    }

    @Test
    void greyIsReadAsStored() {
        BufferedImage byteGray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        byteGray.getRaster().setSample(0, 0, 0, 128);
        byteGray.getRaster().setSample(1, 0, 0, 255);
        assertArrayEquals(new int[] {0x808080, 0xFFFFFF}, Images.pixels(byteGray));
        BufferedImage shortGray = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        shortGray.getRaster().setSample(0, 0, 0, 128 * 257);
        shortGray.getRaster().setSample(1, 0, 0, 65535);
        assertArrayEquals(new int[] {0x808080, 0xFFFFFF}, Images.pixels(shortGray));
    }

    @Test
    void toImageRejectsWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> Images.toImage(PIXELS, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Images.toImage(new int[0], 0, 0));
    }

    @Test
    void colorBarGoesToTheRight() {
        BufferedImage overlay = Images.blank(30, 20, 0x112233);
        BufferedImage bar = Images.blank(10, 25, 0x445566);
        BufferedImage both = Images.withColorBar(overlay, bar);
        assertEquals(40, both.getWidth());
        assertEquals(25, both.getHeight());
        assertEquals(0x112233, both.getRGB(29, 19) & 0xFFFFFF);
        assertEquals(0xFFFFFF, both.getRGB(29, 20) & 0xFFFFFF);
        assertEquals(0x445566, both.getRGB(30, 24) & 0xFFFFFF);
    }

    @Test
    void writesAPngAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("overlay.png");
        Images.writePngAtomically(Images.toImage(PIXELS, 3, 2), target);
        assertArrayEquals(PIXELS, Images.pixels(ImageIO.read(target.toFile())));
        int[] replaced = {1, 2, 3, 4, 5, 6};
        Images.writePngAtomically(Images.toImage(replaced, 2, 3), target);
        BufferedImage read = ImageIO.read(target.toFile());
        assertEquals(2, read.getWidth());
        assertArrayEquals(replaced, Images.pixels(read));
        assertEquals(List.of("overlay.png"), names());
    }

    @Test
    void failedWriteRemovesTheTemporaryFile() throws IOException {
        Path target = dir.resolve("taken");
        Files.createDirectory(target);
        Files.createFile(target.resolve("inside"));
        assertThrows(IOException.class, () -> Images.writePngAtomically(Images.toImage(PIXELS, 3, 2), target));
        assertEquals(List.of("taken"), names());
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
