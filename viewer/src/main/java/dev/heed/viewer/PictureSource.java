package dev.heed.viewer;

import java.awt.image.BufferedImage;

/**
 * A view drawn as one picture rather than as maps over images: an architecture diagram, live training curves, the
 * Playground. The render thread asks for a picture only when {@link #version()} changed or the window was resized.
 */
public interface PictureSource extends AutoCloseable {
    /** Grows whenever the picture would look different. */
    long version();

    BufferedImage render(int width, int height);

    /** A key press; returns false when the key means nothing here. */
    boolean key(char c);

    /** One line of keys, for the window title. */
    String keys();

    @Override
    default void close() {
    }
}
