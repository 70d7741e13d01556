package dev.heed.toolkit.diagram;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;

/** Paints a {@link Scene} with Java2D, the same geometry as {@link SvgWriter}, for PNG output. */
public final class ScenePainter {
    private ScenePainter() {
    }

    /** The scene at {@code scale} pixels per unit, on white. */
    public static BufferedImage paint(Scene scene, double scale) {
        int w = (int) Math.ceil(scene.width() * scale);
        int h = (int) Math.ceil(scene.height() * scale);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            // fractional metrics keep text widths proportional to the scale, so labels fit their boxes at any zoom
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            for (Scene.Shape s : scene.shapes()) {
                draw(g, s);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void draw(Graphics2D g, Scene.Shape s) {
        if (s instanceof Scene.Rect r) {
            fillAndStroke(g, new RoundRectangle2D.Double(r.x(), r.y(), r.width(), r.height(), 2 * r.cornerRadius(),
                    2 * r.cornerRadius()), r.fill(), r.stroke(), r.strokeWidth());
        } else if (s instanceof Scene.Polygon p) {
            fillAndStroke(g, path(p.xs(), p.ys(), true), p.fill(), p.stroke(), p.strokeWidth());
        } else if (s instanceof Scene.Circle c) {
            fillAndStroke(g, new Ellipse2D.Double(c.cx() - c.r(), c.cy() - c.r(), 2 * c.r(), 2 * c.r()), c.fill(), c.stroke(),
                    c.strokeWidth());
        } else if (s instanceof Scene.Line l) {
            line(g, l);
        } else {
            text(g, (Scene.Text) s);
        }
    }

    private static void fillAndStroke(Graphics2D g, java.awt.Shape shape, int fill, int stroke, double strokeWidth) {
        if (fill != Scene.NONE) {
            g.setColor(new Color(fill));
            g.fill(shape);
        }
        if (stroke != Scene.NONE) {
            g.setColor(new Color(stroke));
            g.setStroke(new BasicStroke((float) strokeWidth));
            g.draw(shape);
        }
    }

    private static void line(Graphics2D g, Scene.Line l) {
        java.awt.Composite before = g.getComposite();
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) l.opacity()));
        g.setColor(new Color(l.stroke()));
        g.setStroke(new BasicStroke((float) l.strokeWidth(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
        g.draw(path(l.xs(), l.ys(), false));
        if (l.arrow() && l.xs().length >= 2) {
            int n = l.xs().length;
            double angle = Math.atan2(l.ys()[n - 1] - l.ys()[n - 2], l.xs()[n - 1] - l.xs()[n - 2]);
            double size = 7;
            double[] xs = {l.xs()[n - 1], l.xs()[n - 1] - size * Math.cos(angle - 0.45), l.xs()[n - 1] - size * Math.cos(angle + 0.45)};
            double[] ys = {l.ys()[n - 1], l.ys()[n - 1] - size * Math.sin(angle - 0.45), l.ys()[n - 1] - size * Math.sin(angle + 0.45)};
            g.setColor(new Color(0x555555));
            g.fill(path(xs, ys, true));
        }
        g.setComposite(before);
    }

    private static void text(Graphics2D g, Scene.Text t) {
        Font font = new Font("DejaVu Sans", t.bold() ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) t.size());
        g.setFont(font);
        g.setColor(new Color(t.colour()));
        FontMetrics metrics = g.getFontMetrics();
        double width = metrics.getStringBounds(t.text(), g).getWidth();
        double x = switch (t.anchor()) {
            case "middle" -> t.x() - width / 2;
            case "end" -> t.x() - width;
            default -> t.x();
        };
        g.drawString(t.text(), (float) x, (float) t.y());
    }

    private static Path2D path(double[] xs, double[] ys, boolean closed) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        if (closed) {
            p.closePath();
        }
        return p;
    }

    /** Width of a text in the painter's font, so layouts size boxes to their labels. */
    public static double textWidth(String text, double size, boolean bold) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setFont(new Font("DejaVu Sans", bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size));
            return g.getFontMetrics().getStringBounds(text, g).getWidth();
        } finally {
            g.dispose();
        }
    }
}
