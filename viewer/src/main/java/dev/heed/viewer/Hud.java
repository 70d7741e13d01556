package dev.heed.viewer;

import dev.heed.toolkit.render.Colormap;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The text and chrome over the maps, drawn with Java2D into a transparent image the renderer uploads as one texture:
 * the status lines, each pane's title, the colour bar in the map's raw units, the busy mark and the help panel.
 */
final class Hud {
    /** The help panel's corner box, bottom-left; the renderer blends the HUD only inside such boxes. */
    static final int HELP_WIDTH = 560;
    static final int HELP_HEIGHT = 120;
    private static final Font FONT = new Font("DejaVu Sans", Font.PLAIN, 13);
    private static final Font SMALL = new Font("DejaVu Sans", Font.PLAIN, 11);

    private Hud() {
    }

    static BufferedImage draw(Frame frame, List<Layout.Rect> panes, int width, int height, String hover) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setFont(FONT);
            g.setColor(new Color(235, 235, 235));
            String[] lines = (frame.status() + (hover.isEmpty() ? "" : "  ·  " + hover)).split("\n");
            for (int i = 0; i < lines.length && i < 2; i++) {
                g.drawString(lines[i], 8, 17 + 18 * i);
            }
            g.setFont(SMALL);
            for (int i = 0; i < panes.size(); i++) {
                Frame.Pane pane = frame.panes().get(i);
                Layout.Rect r = panes.get(i);
                String title = pane == null ? "computing…" : pane.title() + (pane.stale() ? "  (updating…)" : "");
                g.setColor(new Color(220, 220, 220));
                g.drawString(fit(g, title, r.width()), r.x(), r.y() - 5);
            }
            Frame.Pane first = frame.panes().isEmpty() ? null : frame.panes().get(0);
            if (first != null) {
                colourBar(g, first, width - Layout.BAR_WIDTH + 10, Layout.STATUS_HEIGHT + 10, 18, Math.min(320, height - Layout.STATUS_HEIGHT - 40));
            }
            if (frame.busy()) {
                g.setColor(new Color(255, 196, 0));
                g.fillOval(width - 22, 8, 12, 12);
            }
            if (!frame.help().isEmpty()) {
                help(g, frame.help(), height);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** A vertical bar through the pane's colormap with ticks in raw map units (lo at the bottom, hi at the top). */
    private static void colourBar(Graphics2D g, Frame.Pane pane, int x, int y, int w, int h) {
        Colormap cmap = pane.colormap();
        int[] lut = cmap.packedLut();
        for (int row = 0; row < h; row++) {
            double t = 1.0 - (row + 0.5) / h;
            g.setColor(new Color(lut[Math.min(255, (int) Math.floor(t * 256))]));
            g.fillRect(x, y + row, w, 1);
        }
        g.setColor(new Color(200, 200, 200));
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x, y, w, h);
        for (int k = 0; k <= 4; k++) {
            double value = pane.hi() - (pane.hi() - pane.lo()) * k / 4.0;
            int ty = y + (int) Math.round(h * k / 4.0);
            g.drawLine(x + w, ty, x + w + 4, ty);
            g.drawString(String.format(Locale.ROOT, "%.3g", value), x + w + 6, ty + 4);
        }
    }

    private static void help(Graphics2D g, List<String> lines, int height) {
        int lineHeight = 17;
        int boxHeight = lineHeight * lines.size() + 14;
        int boxWidth = 0;
        for (String line : lines) {
            boxWidth = Math.max(boxWidth, g.getFontMetrics().stringWidth(line));
        }
        int y = height - Math.min(boxHeight, HELP_HEIGHT - 10) - 10;
        g.setColor(new Color(0, 0, 0, 190));
        g.fillRoundRect(10, y, Math.min(boxWidth + 20, HELP_WIDTH - 10), boxHeight, 10, 10);
        g.setColor(new Color(240, 240, 240));
        for (int i = 0; i < lines.size(); i++) {
            g.drawString(lines.get(i), 20, y + 20 + i * lineHeight);
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
