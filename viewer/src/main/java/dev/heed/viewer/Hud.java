package dev.heed.viewer;

import dev.heed.toolkit.render.Colormap;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text and chrome over the maps, drawn with Java2D into a transparent image the renderer uploads as one texture:
 * the status lines, each pane's title, each pane's own colour bar (its colormap, ticks in its raw units), the busy
 * mark and the key help in its own strip at the bottom.
 */
final class Hud {
    /** Ticks per colour bar, top (hi) to bottom (lo). */
    static final int TICKS = 5;
    private static final Font FONT = new Font("DejaVu Sans", Font.PLAIN, 13);
    private static final Font SMALL = new Font("DejaVu Sans", Font.PLAIN, 11);

    private Hud() {
    }

    static BufferedImage draw(Frame frame, List<Layout.Rect> panes, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(FONT);
            g.setColor(new Color(235, 235, 235));
            String[] lines = frame.status().split("\n");
            for (int i = 0; i < lines.length && i < 3; i++) {
                String line = i == 0 && !frame.hover().isEmpty() ? lines[i] + "  ·  " + frame.hover() : lines[i];
                g.drawString(fit(g, line, width - 40), 8, 17 + 18 * i);
            }
            g.setFont(SMALL);
            for (int i = 0; i < panes.size(); i++) {
                Frame.Pane pane = frame.panes().get(i);
                Layout.Rect r = panes.get(i);
                String title = pane == null ? "computing…" : pane.title() + (pane.stale() ? "  (updating…)" : "");
                g.setColor(new Color(220, 220, 220));
                g.drawString(fit(g, title, r.width()), r.x(), r.y() - 5);
                if (pane != null) {
                    Layout.Rect bar = Layout.bar(r);
                    g.drawString(fit(g, pane.colormap().id(), Layout.PANE_BAR_SPACE - Layout.BAR_GAP), bar.x(), r.y() - 5);
                    colourBar(g, pane, bar);
                }
            }
            if (frame.busy()) {
                g.setColor(new Color(255, 196, 0));
                g.fillOval(width - 22, 8, 12, 12);
            }
            if (!frame.help().isEmpty()) {
                help(g, frame.help(), Layout.help(width, height));
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The tick labels of a pane's bar in its raw units, top (hi) to bottom (lo). */
    static List<String> barLabels(Frame.Pane pane) {
        List<String> out = new ArrayList<>();
        double magnitude = Math.max(Math.abs(pane.hi()), Math.abs((double) pane.lo()));
        for (int k = 0; k < TICKS; k++) {
            double value = pane.hi() - (pane.hi() - (double) pane.lo()) * k / (TICKS - 1);
            // rounding residue at the middle of a symmetric range would print as "-0.00" or "1.2e-17"
            out.add(String.format(Locale.ROOT, "%.3g", Math.abs(value) < 1e-9 * magnitude ? 0.0 : value));
        }
        return out;
    }

    /**
     * A vertical bar through the pane's colormap (lo at the bottom, hi at the top), row by row with the LUT rule the
     * shader uses, so a bar row has exactly the colour of a map pixel at that value.
     */
    static void colourBar(Graphics2D g, Frame.Pane pane, Layout.Rect bar) {
        Colormap cmap = pane.colormap();
        int[] lut = cmap.packedLut();
        for (int row = 0; row < bar.height(); row++) {
            g.setColor(new Color(lut[barIndex(row, bar.height())]));
            g.fillRect(bar.x(), bar.y() + row, bar.width(), 1);
        }
        g.setColor(new Color(200, 200, 200));
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bar.x() - 1, bar.y() - 1, bar.width() + 1, bar.height() + 1);
        List<String> labels = barLabels(pane);
        for (int k = 0; k < labels.size(); k++) {
            int ty = bar.y() + (int) Math.round((bar.height() - 1) * k / (double) (labels.size() - 1));
            int right = bar.x() + bar.width();
            g.drawLine(right, ty, right + 3, ty);
            g.drawString(labels.get(k), right + 5, ty + 4);
        }
    }

    /** The LUT entry of bar row {@code row} (0 at the top) in a bar {@code height} rows tall. */
    static int barIndex(int row, int height) {
        double t = 1.0 - (row + 0.5) / height;
        return Math.min(255, (int) Math.floor(t * 256));
    }

    private static void help(Graphics2D g, List<String> lines, Layout.Rect strip) {
        g.setFont(FONT);
        int lineHeight = 17;
        int boxHeight = Math.min(strip.height() - 8, lineHeight * lines.size() + 12);
        int boxWidth = 0;
        for (String line : lines) {
            boxWidth = Math.max(boxWidth, g.getFontMetrics().stringWidth(line));
        }
        g.setColor(new Color(0, 0, 0, 190));
        g.fillRoundRect(strip.x() + 8, strip.y() + 4, Math.min(boxWidth + 20, strip.width() - 16), boxHeight, 10, 10);
        g.setColor(new Color(240, 240, 240));
        for (int i = 0; i < lines.size(); i++) {
            g.drawString(lines.get(i), strip.x() + 18, strip.y() + 4 + 18 + i * lineHeight);
        }
    }

    private static String fit(Graphics2D g, String text, int width) {
        if (g.getFontMetrics().stringWidth(text) <= width) {
            return text;
        }
        String cut = text;
        while (cut.length() > 1 && g.getFontMetrics().stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }
}
