package dev.heed.toolkit.trust;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The audit as one self-contained HTML page (inline SVG, no scripts, no network): randomisation curves per layer and
 * the mean deletion and insertion curves, with the numbers beside them.
 */
public final class TrustPage {
    private static final int WIDTH = 520;
    private static final int HEIGHT = 300;
    private static final int PAD = 48;

    private TrustPage() {
    }

    public static String html(String title, TrustAudit.Report report) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "svg{background:#fff;border:1px solid #ccc;margin:0 1em 1em 0}td,th{padding:2px 10px;text-align:left}"
                        + "pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head><body>\n");
        b.append("<h1>").append(escape(title)).append("</h1>\n");
        List<String> layers = report.cascading().stream().map(Randomisation.Step::layer).toList();
        double[] cascading = report.cascading().stream().mapToDouble(Randomisation.Step::spearmanOfMagnitudes).toArray();
        double[] independent = report.independent().stream().mapToDouble(Randomisation.Step::spearmanOfMagnitudes).toArray();
        double[] cascadingSsim = report.cascading().stream().mapToDouble(Randomisation.Step::ssim).toArray();
        double[] index = new double[layers.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i;
        }
        b.append("<h2>Model-parameter randomisation (Adebayo et al. 2018)</h2>\n<p>Weights re-drawn from the output layer down"
                + " (cascading) or one layer at a time (independent); the median similarity of each map to the trained model's."
                + " A sound method falls towards 0.</p>\n");
        b.append(chart("similarity after randomising up to layer", index, layers,
                new Series("Spearman |map|, cascading", cascading, "#d62728"),
                new Series("Spearman |map|, independent", independent, "#1f77b4"),
                new Series("SSIM, cascading", cascadingSsim, "#2ca02c")));
        b.append("<h2>Deletion and insertion (Petsiuk et al. 2018)</h2>\n<p>Mean class probability as the top-ranked pixels are"
                + " deleted (should fall fast) or inserted on a blank canvas (should rise fast).</p>\n");
        b.append(chart("fraction of pixels", report.fractions(), null,
                new Series("deletion", report.meanDeletion(), "#d62728"),
                new Series("insertion", report.meanInsertion(), "#1f77b4")));
        b.append("<h2>All numbers</h2>\n<pre>").append(escape(pretty(report.summary(), 0))).append("</pre>\n</body></html>\n");
        return b.toString();
    }

    private record Series(String name, double[] values, String colour) {
    }

    private static String chart(String xLabel, double[] x, List<String> ticks, Series... series) {
        double xMax = x.length > 1 ? x[x.length - 1] : 1;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n",
                WIDTH, HEIGHT + 40, WIDTH, HEIGHT + 40));
        int plotW = WIDTH - 2 * PAD;
        int plotH = HEIGHT - 2 * PAD;
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", PAD, PAD, plotW, plotH));
        for (double y = -1; y <= 1.001; y += 0.5) {
            double py = PAD + plotH * (1 - (y + 1) / 2);
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.1f</text>%n", PAD - 4, py + 4, y));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", PAD, py, PAD + plotW, py));
        }
        for (int i = 0; i < x.length; i++) {
            double px = PAD + plotW * (x[i] / xMax);
            String label = ticks != null ? ticks.get(i) : (i % Math.max(1, x.length / 5) == 0 ? String.format(Locale.ROOT, "%.2f", x[i]) : null);
            if (label != null) {
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>%n",
                        px, PAD + plotH + 14, escape(label)));
            }
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>%n",
                PAD + plotW / 2, PAD + plotH + 32, escape(xLabel)));
        int legendY = 16;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.values().length && i < x.length; i++) {
                double v = Double.isFinite(s.values()[i]) ? s.values()[i] : 0;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", PAD + plotW * (x[i] / xMax), PAD + plotH * (1 - (v + 1) / 2)));
            }
            b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", s.colour(), points.toString().trim()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>%n", PAD + 4, legendY, s.colour(), escape(s.name())));
            legendY += 13;
        }
        return b.append("</svg>\n").toString();
    }

    private static String pretty(Object value, int indent) {
        String pad = "  ".repeat(indent);
        if (value instanceof Map<?, ?> map) {
            StringBuilder b = new StringBuilder("\n");
            map.forEach((k, v) -> b.append(pad).append(k).append(": ").append(pretty(v, indent + 1)).append(v instanceof Map || v instanceof List ? "" : "\n"));
            return b.toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder b = new StringBuilder("\n");
            for (Object item : list) {
                b.append(pad).append("- ").append(pretty(item, indent + 1).strip()).append("\n");
            }
            return b.toString();
        }
        if (value instanceof Double d) {
            return String.format(Locale.ROOT, "%.4f", d);
        }
        return String.valueOf(value);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
