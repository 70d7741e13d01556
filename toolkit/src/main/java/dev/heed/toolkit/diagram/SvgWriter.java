package dev.heed.toolkit.diagram;

import java.util.Locale;

/** Writes a {@link Scene} as a standalone SVG 1.1 document. */
public final class SvgWriter {
    private SvgWriter() {
    }

    public static String svg(Scene scene, String title) {
        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                        + "font-family=\"DejaVu Sans, Verdana, sans-serif\">\n",
                Math.ceil(scene.width()), Math.ceil(scene.height()), Math.ceil(scene.width()), Math.ceil(scene.height())));
        out.append("<title>").append(escape(title)).append("</title>\n");
        out.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
                + "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555555\"/></marker></defs>\n");
        out.append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        for (Scene.Shape s : scene.shapes()) {
            append(out, s);
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private static void append(StringBuilder out, Scene.Shape s) {
        if (s instanceof Scene.Rect r) {
            out.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" rx=\"%.1f\"%s>",
                    r.x(), r.y(), r.width(), r.height(), r.cornerRadius(), paint(r.fill(), r.stroke(), r.strokeWidth())));
            close(out, "rect", r.tooltip());
        } else if (s instanceof Scene.Polygon p) {
            out.append("<polygon points=\"").append(points(p.xs(), p.ys())).append('"')
                    .append(paint(p.fill(), p.stroke(), p.strokeWidth())).append('>');
            close(out, "polygon", p.tooltip());
        } else if (s instanceof Scene.Line l) {
            out.append("<polyline points=\"").append(points(l.xs(), l.ys())).append("\" fill=\"none\"")
                    .append(String.format(Locale.ROOT, " stroke=\"%s\" stroke-width=\"%.2f\"", hex(l.stroke()), l.strokeWidth()));
            if (l.opacity() < 1) {
                out.append(String.format(Locale.ROOT, " stroke-opacity=\"%.3f\"", l.opacity()));
            }
            if (l.arrow()) {
                out.append(" marker-end=\"url(#arrow)\"");
            }
            out.append('>');
            close(out, "polyline", l.tooltip());
        } else if (s instanceof Scene.Circle c) {
            out.append(String.format(Locale.ROOT, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.2f\"%s>", c.cx(), c.cy(), c.r(),
                    paint(c.fill(), c.stroke(), c.strokeWidth())));
            close(out, "circle", c.tooltip());
        } else {
            Scene.Text t = (Scene.Text) s;
            out.append(String.format(Locale.ROOT,
                    "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\"%s fill=\"%s\" text-anchor=\"%s\">%s</text>\n",
                    t.x(), t.y(), t.size(), t.bold() ? " font-weight=\"bold\"" : "", hex(t.colour()), t.anchor(), escape(t.text())));
        }
    }

    private static void close(StringBuilder out, String element, String tooltip) {
        if (tooltip != null) {
            out.append("<title>").append(escape(tooltip)).append("</title>");
        }
        out.append("</").append(element).append(">\n");
    }

    private static String paint(int fill, int stroke, double strokeWidth) {
        String f = " fill=\"" + (fill == Scene.NONE ? "none" : hex(fill)) + "\"";
        String s = stroke == Scene.NONE ? "" : String.format(Locale.ROOT, " stroke=\"%s\" stroke-width=\"%.2f\"", hex(stroke), strokeWidth);
        return f + s;
    }

    private static String points(double[] xs, double[] ys) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            out.append(String.format(Locale.ROOT, "%s%.2f,%.2f", i == 0 ? "" : " ", xs[i], ys[i]));
        }
        return out.toString();
    }

    static String hex(int rgb) {
        return String.format("#%06x", rgb & 0xFFFFFF);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (cp < 0x20 && cp != '\t' && cp != '\n') {
                        out.append(' '); // XML 1.0 forbids most control characters
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }
}
