package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.Heatmap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The audit as one self-contained HTML page (inline SVG and PNG data URIs, no scripts, no network): the verdicts,
 * example maps before and after cascading randomisation, randomisation curves per layer and the mean deletion and
 * insertion curves, with the numbers beside them.
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
                        + "pre{background:#f6f6f6;padding:1em;overflow:auto}.pass{color:#1a7f37;font-weight:bold}"
                        + ".fail{color:#c62828;font-weight:bold}table.maps td{text-align:center;font-size:12px;vertical-align:top}"
                        + "table.maps img{width:96px;height:96px;image-rendering:pixelated;border:1px solid #ccc}</style></head><body>\n");
        b.append("<h1>").append(escape(title)).append("</h1>\n");
        b.append(verdictTable(report.verdicts()));
        b.append(examples(report));
        List<String> layers = report.cascading().stream().map(Randomisation.Step::layer).toList();
        double[] cascading = report.cascading().stream().mapToDouble(Randomisation.Step::spearmanOfMagnitudes).toArray();
        double[] independent = report.independent().stream().mapToDouble(Randomisation.Step::spearmanOfMagnitudes).toArray();
        double[] cascadingSsim = report.cascading().stream().mapToDouble(Randomisation.Step::ssim).toArray();
        double[] index = new double[layers.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i;
        }
        b.append("<h2>Model-parameter randomisation (Adebayo et al. 2018)</h2>\n<p>Weights re-drawn from the output layer down"
                + " (cascading: the named layer and every layer after it) or one layer at a time (independent: the named layer"
                + " alone); the median similarity of each map to the trained model's map of the same class. A sound method"
                + " falls towards 0; the dashed lines mark Heed's threshold, &plusmn;" + Verdicts.SIMILARITY_THRESHOLD
                + ". A point missing from a line could not be measured (every map constant).</p>\n");
        b.append(chart("re-drawn layer (output layer first)", "median similarity to the trained map", -1, 1,
                Verdicts.SIMILARITY_THRESHOLD, index, layers,
                new Series("Spearman of |map|, cascading", cascading, "#d62728"),
                new Series("Spearman of |map|, independent", independent, "#1f77b4"),
                new Series("SSIM, cascading", cascadingSsim, "#2ca02c")));
        b.append("<h2>Deletion and insertion (Petsiuk et al. 2018)</h2>\n<p>Mean probability of the explained class as the"
                + " pixels the map ranks highest are deleted (set to the baseline; should fall fast) or inserted on a baseline"
                + " canvas (should rise fast).</p>\n");
        b.append(chart("fraction of pixels deleted or inserted, highest-ranked first", "mean class probability", 0, 1, Double.NaN,
                report.fractions(), null,
                new Series("deletion", report.meanDeletion(), "#d62728"),
                new Series("insertion", report.meanInsertion(), "#1f77b4")));
        b.append("<h2>All numbers</h2>\n<pre>").append(escape(pretty(report.summary(), 0))).append("</pre>\n</body></html>\n");
        return b.toString();
    }

    private static String verdictTable(List<Verdicts.Verdict> verdicts) {
        StringBuilder b = new StringBuilder("<h2>Verdicts</h2>\n<table>\n<tr><th>check</th><th>verdict</th><th>value</th>"
                + "<th>criterion</th><th>source</th></tr>\n");
        for (Verdicts.Verdict v : verdicts) {
            String css = v.outcome() == Verdicts.Outcome.PASS ? "pass" : v.outcome() == Verdicts.Outcome.FAIL ? "fail" : "";
            b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%.3f</td><td>%s</td><td>%s</td></tr>%n",
                    escape(v.check()), css, escape(v.outcome().id()), v.value(), escape(v.criterion()), escape(v.source())));
        }
        return b.append("</table>\n").toString();
    }

    /** The first images, their trained-model maps and their maps after each cascading step, as embedded PNGs. */
    private static String examples(TrustAudit.Report report) {
        if (report.examples().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("<h2>Example maps under cascading randomisation</h2>\n<p>Each map on its own colour"
                + " scale (viridis from 0 to its maximum; blue-white-red symmetric about 0 for signed maps). Left to right:"
                + " the input, the trained model's map, then the map after re-drawing the named layer and every layer after"
                + " it.</p>\n<table class=\"maps\">\n<tr><td>input</td><td>trained</td>");
        for (Randomisation.Step step : report.cascading()) {
            b.append("<td>down to ").append(escape(step.layer())).append("</td>");
        }
        b.append("</tr>\n");
        for (int i = 0; i < report.examples().size(); i++) {
            TrustAudit.Example example = report.examples().get(i);
            Heatmap trained = example.trained();
            b.append("<tr><td>").append(img(MapImages.input(example.image(), example.channels(), trained.width(), trained.height())))
                    .append("<br>image ").append(trained.imageIndex()).append(", class ").append(trained.classIndex()).append("</td>");
            b.append("<td>").append(img(MapImages.map(trained))).append("</td>");
            for (Randomisation.Step step : report.cascading()) {
                b.append("<td>").append(i < step.examples().size() ? img(MapImages.map(step.examples().get(i))) : "").append("</td>");
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    private static String img(String dataUri) {
        return "<img alt=\"\" src=\"" + dataUri + "\">";
    }

    private record Series(String name, double[] values, String colour) {
    }

    /**
     * A line chart over {@code [yMin, yMax]}; non-finite values break the line instead of being drawn as 0. A finite
     * {@code threshold} draws dashed lines at {@code +threshold} and {@code -threshold}.
     */
    private static String chart(String xLabel, String yLabel, double yMin, double yMax, double threshold, double[] x,
                                List<String> ticks, Series... series) {
        double xMax = x.length > 1 ? x[x.length - 1] : 1;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n",
                WIDTH, HEIGHT + 40, WIDTH, HEIGHT + 40));
        int plotW = WIDTH - 2 * PAD;
        int plotH = HEIGHT - 2 * PAD;
        java.util.function.DoubleUnaryOperator yPixel = v -> PAD + plotH * (1 - (v - yMin) / (yMax - yMin));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", PAD, PAD, plotW, plotH));
        for (int t = 0; t <= 4; t++) {
            double y = yMin + (yMax - yMin) * t / 4;
            double py = yPixel.applyAsDouble(y);
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.2f</text>%n", PAD - 4, py + 4, y));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", PAD, py, PAD + plotW, py));
        }
        if (Double.isFinite(threshold)) {
            for (double t : new double[] {threshold, -threshold}) {
                if (t >= yMin && t <= yMax) {
                    double py = yPixel.applyAsDouble(t);
                    b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>%n",
                            PAD, py, PAD + plotW, py));
                }
            }
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
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">%s</text>%n",
                14, PAD + plotH / 2, 14, PAD + plotH / 2, escape(yLabel)));
        int legendX = PAD + plotW - 4;
        int legendY = PAD - 8 - 13 * (series.length - 1);
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            boolean penDown = false;
            for (int i = 0; i < s.values().length && i < x.length; i++) {
                double v = s.values()[i];
                if (!Double.isFinite(v)) {
                    penDown = false;
                    continue;
                }
                path.append(String.format(Locale.ROOT, "%s%.1f,%.1f ", penDown ? "L" : "M", PAD + plotW * (x[i] / xMax), yPixel.applyAsDouble(v)));
                penDown = true;
            }
            b.append(String.format(Locale.ROOT, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"%s\"/>%n", s.colour(), path.toString().trim()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\" text-anchor=\"end\">%s</text>%n",
                    legendX, legendY, s.colour(), escape(s.name())));
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
