package dev.heed.toolkit.render.text;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * The one font family every picture in this package is measured and drawn with. SVG viewers are asked for DejaVu
 * Sans first because that is what the JDK's logical sans-serif font resolves to here, so SVG labels take the room the
 * layout measured; the fallbacks are no wider, so labels never overrun it.
 */
final class Fonts {

    static final String SVG_FAMILY = "'DejaVu Sans', Verdana, sans-serif";

    private Fonts() {
    }

    static Font sans(int size) {
        return new Font(Font.SANS_SERIF, Font.PLAIN, size);
    }

    /** Metrics of {@link #sans} at {@code size}, for laying out a picture before anything is drawn. */
    static FontMetrics metrics(int size) {
        Graphics2D g = graphics(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        try {
            return g.getFontMetrics(sans(size));
        } finally {
            g.dispose();
        }
    }

    /**
     * A context with anti-aliased text but aliased shapes, so that filled cells keep their exact colormap colour up
     * to their edges. The caller disposes it.
     */
    static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        return g;
    }
}
