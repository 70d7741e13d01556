package dev.heed.toolkit.playground;

import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.render.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Records a Playground run without a screen: it trains for a number of steps and draws a {@link PlaygroundFrame}
 * of {@link #WIDTH} × {@link #HEIGHT} at the start, after every {@code every}-th step and after the last step, so a
 * recording always shows where the run began and where it ended. Frames go to numbered PNGs or to one looping GIF;
 * every file is written under a temporary name and renamed into place, so no reader sees half a file.
 */
public final class PlaygroundRecorder {

    public static final int WIDTH = 960;
    public static final int HEIGHT = 540;

    private static final String GIF_IMAGE_FORMAT = "javax_imageio_gif_image_1.0";

    private PlaygroundRecorder() {
    }

    /** Receives the frames in order, each with its index counted from 0. */
    @FunctionalInterface
    private interface FrameSink {
        void accept(BufferedImage frame, int index) throws IOException;
    }

    /** The number of frames a recording of {@code steps} steps with a frame every {@code every} steps has. */
    public static int frameCount(int steps, int every) {
        checkArguments(steps, every);
        return 1 + (steps + every - 1) / every;
    }

    /**
     * Trains {@code playground} {@code steps} steps further and writes its frames into {@code dir} (created if
     * missing) as frame-00001.png, frame-00002.png, and so on, replacing any frames of those names.
     */
    public static void pngSequence(Playground playground, int steps, int every, Path dir) throws IOException {
        checkArguments(steps, every);
        Files.createDirectories(dir);
        record(playground, steps, every, (frame, index) -> Images.writePngAtomically(frame,
                dir.resolve(String.format(Locale.ROOT, "frame-%05d.png", index + 1))));
    }

    /**
     * Trains {@code playground} {@code steps} steps further and writes its frames to {@code file} as a GIF that loops
     * forever, each frame shown {@code delayMs} milliseconds (GIF counts in hundredths of a second, so this is
     * rounded to the nearest 10 ms).
     */
    public static void gif(Playground playground, int steps, int every, int delayMs, Path file) throws IOException {
        checkArguments(steps, every);
        if (delayMs < 0) {
            throw new IllegalArgumentException("delay must be >= 0 ms, got " + delayMs);
        }
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            writeGif(playground, steps, every, Math.round(delayMs / 10f), tmp);
            // On disk before the rename, so a crash cannot leave an empty file under the final name.
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            AtomicFiles.readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeGif(Playground playground, int steps, int every, int delayCentiseconds, Path tmp)
            throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
        if (!writers.hasNext()) {
            throw new IOException("this Java runtime has no GIF writer");
        }
        ImageWriter writer = writers.next();
        // The File overload writes straight to the file; the stream overload may cache in the system temp dir.
        try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            record(playground, steps, every, (frame, index) -> {
                IIOMetadata metadata = gifFrameMetadata(writer, frame, delayCentiseconds, index == 0);
                writer.writeToSequence(new IIOImage(frame, null, metadata), null);
            });
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
    }

    /**
     * A frame's GIF metadata: its delay, no disposal (each frame covers the whole picture) and, on the first frame
     * only, the NETSCAPE2.0 extension with loop count 0, which viewers read as "repeat forever".
     */
    private static IIOMetadata gifFrameMetadata(ImageWriter writer, BufferedImage frame, int delayCentiseconds,
            boolean first) throws IOException {
        IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(GIF_IMAGE_FORMAT);
        IIOMetadataNode control = childOf(root, "GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", Integer.toString(delayCentiseconds));
        control.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
            loop.setAttribute("applicationID", "NETSCAPE");
            loop.setAttribute("authenticationCode", "2.0");
            loop.setUserObject(new byte[] {1, 0, 0});
            childOf(root, "ApplicationExtensions").appendChild(loop);
        }
        metadata.setFromTree(GIF_IMAGE_FORMAT, root);
        return metadata;
    }

    /** The child of {@code parent} named {@code name}, added if there is none. */
    private static IIOMetadataNode childOf(IIOMetadataNode parent, String name) {
        for (int i = 0; i < parent.getLength(); i++) {
            if (parent.item(i).getNodeName().equals(name)) {
                return (IIOMetadataNode) parent.item(i);
            }
        }
        IIOMetadataNode child = new IIOMetadataNode(name);
        parent.appendChild(child);
        return child;
    }

    /** The frame now, then train, handing over a frame after every {@code every}-th step and after the last. */
    private static void record(Playground playground, int steps, int every, FrameSink sink) throws IOException {
        int index = 0;
        sink.accept(PlaygroundFrame.render(playground, WIDTH, HEIGHT), index++);
        for (int done = 1; done <= steps; done++) {
            playground.step();
            if (done % every == 0 || done == steps) {
                sink.accept(PlaygroundFrame.render(playground, WIDTH, HEIGHT), index++);
            }
        }
    }

    private static void checkArguments(int steps, int every) {
        if (steps < 0 || every < 1) {
            throw new IllegalArgumentException("need steps >= 0 and every >= 1, got steps " + steps + ", every "
                    + every);
        }
    }
}
