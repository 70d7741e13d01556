package dev.heed.toolkit.render;

import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * A vertical colour bar: the colormap's gradient from the range's low end (bottom) to its high end (top), with
 * tick labels in raw map units, so a saved overlay can be read without its provenance file. Drawn with Java2D only,
 * so it works headless.
 */
public final class ColorBar {

    /** The narrowest bar image; it widens when labels need the room. */
    static final int MIN_WIDTH = 80;
    /** Left edge and width of the gradient strip. */
    static final int BAR_LEFT = 6;
    static final int BAR_WIDTH = 18;
    /** Rows kept free above and below the strip so the end labels, centred on their ticks, are not cut off. */
    static final int MARGIN = 8;

    private static final int TICKS = 5;
    private static final int TICK_LENGTH = 4;
    private static final int LABEL_X = BAR_LEFT + BAR_WIDTH + TICK_LENGTH + 3;

    private ColorBar() {
    }

    /** A white TYPE_INT_RGB image {@code height} pixels tall holding the bar for {@code cmap} over {@code range}. */
    public static BufferedImage vertical(Colormap cmap, Range range, int height) {
        if (height < 2 * MARGIN + 2) {
            throw new IllegalArgumentException("a colour bar needs height >= " + (2 * MARGIN + 2) + ", got " + height);
        }
        // An empty range draws every value in the lowest colour, so it gets one label, at the bottom.
        int ticks = range.hi() == range.lo() ? 1 : TICKS;
        String[] labels = new String[ticks];
        for (int k = 0; k < ticks; k++) {
            labels[k] = label(tickValue(range, k, ticks));
        }
        BufferedImage image = Images.blank(width(labels), height, 0xFFFFFF);

        int top = MARGIN;
        int bottom = height - 1 - MARGIN;
        for (int y = top; y <= bottom; y++) {
            int rgb = cmap.rgb((double) (bottom - y) / (bottom - top));
            for (int x = BAR_LEFT; x < BAR_LEFT + BAR_WIDTH; x++) {
                image.setRGB(x, y, rgb);
            }
        }

        Graphics2D g = Images.textGraphics(image);
        try {
            FontMetrics metrics = g.getFontMetrics();
            int centre = (metrics.getAscent() - metrics.getDescent()) / 2;
            for (int k = 0; k < ticks; k++) {
                int y = (int) Math.round(bottom - fraction(k, ticks) * (bottom - top));
                g.drawLine(BAR_LEFT + BAR_WIDTH, y, BAR_LEFT + BAR_WIDTH + TICK_LENGTH - 1, y);
                g.drawString(labels[k], LABEL_X, y + centre);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** A compact label: three significant digits without trailing zeros, e.g. 0.5, 12.3, 1e-05, -2.5e+04. */
    static String label(double value) {
        String text = String.format(Locale.ROOT, "%.3g", value + 0.0); // + 0.0 turns -0.0 into 0.0
        int exponent = text.indexOf('e');
        String mantissa = exponent < 0 ? text : text.substring(0, exponent);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return exponent < 0 ? mantissa : mantissa + text.substring(exponent);
    }

    private static double fraction(int k, int ticks) {
        return ticks == 1 ? 0 : (double) k / (ticks - 1);
    }

    /**
     * Interpolated so the end ticks are lo and hi, then rounded to a thousandth of the range's span: a middle tick
     * of [-0.9999, 1] reads 0, not -5e-05, because the bar cannot show finer differences than that anyway.
     */
    static double tickValue(Range range, int k, int ticks) {
        double f = fraction(k, ticks);
        double value = range.lo() * (1 - f) + range.hi() * f;
        double span = range.hi() - range.lo();
        if (span == 0 || !Double.isFinite(span)) {
            return value;
        }
        double quantum = Math.pow(10, Math.floor(Math.log10(span)) - 3);
        return Math.rint(value / quantum) * quantum;
    }

    private static int width(String[] labels) {
        FontMetrics metrics = Images.textMetrics();
        int widest = 0;
        for (String label : labels) {
            widest = Math.max(widest, metrics.stringWidth(label));
        }
        return Math.max(MIN_WIDTH, LABEL_X + widest + 4);
    }
}
