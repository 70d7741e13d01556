package dev.heed.toolkit.render.text;

import static dev.heed.toolkit.render.text.TitledFigure.MARGIN;
import static dev.heed.toolkit.render.text.TitledFigure.TITLE_SIZE;

import dev.heed.toolkit.render.Colormap;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One layer's attention in a text transformer, drawn as a token-by-token heatmap per head: queries down the left,
 * keys along the top, each cell coloured by its probability over the fixed range [0, 1], so that heads and layers
 * drawn separately can be compared by colour alone. The SVG and the PNG share one layout; the SVG additionally
 * carries a tooltip per cell.
 */
public final class TokenHeatmap {

    private TokenHeatmap() {
    }

    /** A standalone SVG document of the layer's heads; {@code heads} is [head][query][key]. */
    public static String svg(List<String> tokens, float[][][] heads, int layer, Colormap cmap) {
        check(tokens, heads, layer);
        Legend legend = legend(cmap);
        Layout layout = new Layout(tokens, heads.length, layer, legend);
        int tokenCount = tokens.size();
        List<String> escaped = tokens.stream().map(Markup::escape).toList();
        return layout.figure(legend).svg(4096 + heads.length * tokenCount * tokenCount * 96, out -> {
            for (int h = 0; h < heads.length; h++) {
                appendPanel(out, layout, escaped, heads[h], layer, h, cmap);
            }
        });
    }

    /** The same picture as {@link #svg}, drawn with Java2D on white. */
    public static BufferedImage png(List<String> tokens, float[][][] heads, int layer, Colormap cmap) {
        check(tokens, heads, layer);
        Legend legend = legend(cmap);
        Layout layout = new Layout(tokens, heads.length, layer, legend);
        return layout.figure(legend).png(g -> {
            for (int h = 0; h < heads.length; h++) {
                drawPanel(g, layout, heads[h], layer, h, cmap);
            }
        });
    }

    /** Writes {@code baseName.svg} and {@code baseName.png} into {@code folder}, each atomically. */
    public static void write(Path folder, String baseName, List<String> tokens, float[][][] heads, int layer,
            Colormap cmap) throws IOException {
        TitledFigure.write(folder, baseName, svg(tokens, heads, layer, cmap), png(tokens, heads, layer, cmap));
    }

    private static void appendPanel(StringBuilder out, Layout layout, List<String> escaped, float[][] head,
            int layer, int h, Colormap cmap) {
        int tokenCount = escaped.size();
        out.append("<g>\n<text x=\"").append(layout.panelLeft(h)).append("\" y=\"")
                .append(layout.panelTitleBaseline(h)).append("\" font-size=\"").append(Layout.PANEL_TITLE_SIZE)
                .append("\">").append(Markup.escape(panelTitle(layer, h))).append("</text>\n");
        appendLabels(out, layout, h);
        if (!layout.vectorCells()) {
            // cells too small to point at: one embedded image per head keeps the file small (a vector cell with its
            // tooltip is ~150 bytes, ~30 MB for 12 heads of 128 tokens); the HTML page shows the values
            appendRaster(out, layout, head, h, cmap);
            out.append("</g>\n");
            return;
        }
        out.append("<g shape-rendering=\"crispEdges\">\n");
        for (int q = 0; q < tokenCount; q++) {
            for (int k = 0; k < tokenCount; k++) {
                out.append("<rect x=\"").append(layout.cellLeft(h, k)).append("\" y=\"")
                        .append(layout.cellTop(h, q)).append("\" width=\"").append(layout.cell)
                        .append("\" height=\"").append(layout.cell).append("\" fill=\"")
                        .append(Markup.hex(cmap.rgb(head[q][k]))).append("\"><title>").append(escaped.get(q))
                        .append(" \u2192 ").append(escaped.get(k)).append(": ")
                        .append(Markup.probability(head[q][k])).append("</title></rect>\n");
            }
        }
        out.append("</g>\n</g>\n");
    }

    /** One head's cells as a PNG data URI, one pixel per cell, scaled up without smoothing. */
    private static void appendRaster(StringBuilder out, Layout layout, float[][] head, int h, Colormap cmap) {
        int t = head.length;
        java.awt.image.BufferedImage cells = new java.awt.image.BufferedImage(t, t, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int q = 0; q < t; q++) {
            for (int k = 0; k < t; k++) {
                cells.setRGB(k, q, cmap.rgb(head[q][k]));
            }
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(cells, "png", png);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot encode a heatmap as PNG", e);
        }
        out.append("<image x=\"").append(layout.cellLeft(h, 0)).append("\" y=\"").append(layout.cellTop(h, 0))
                .append("\" width=\"").append(layout.cell * t).append("\" height=\"").append(layout.cell * t)
                .append("\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,")
                .append(java.util.Base64.getEncoder().encodeToString(png.toByteArray())).append("\"/>\n");
    }

    /** Query labels right-aligned left of the rows, key labels rising vertically above the columns. */
    private static void appendLabels(StringBuilder out, Layout layout, int h) {
        out.append("<g font-size=\"").append(layout.labelSize).append("\">\n");
        for (int i = 0; i < layout.labels.size(); i++) {
            if (layout.labels.get(i) == null) {
                continue;
            }
            String label = Markup.escape(layout.labels.get(i));
            out.append("<text x=\"").append(layout.gridLeft(h) - Layout.LABEL_GAP).append("\" y=\"")
                    .append(layout.cellTop(h, i) + layout.labelBaselineOffset())
                    .append("\" text-anchor=\"end\">").append(label).append("</text>\n");
            out.append("<text transform=\"translate(").append(layout.cellLeft(h, i) + layout.labelBaselineOffset())
                    .append(',').append(layout.gridTop(h) - Layout.LABEL_GAP).append(") rotate(-90)\">")
                    .append(label).append("</text>\n");
        }
        out.append("</g>\n");
    }

    private static void drawPanel(Graphics2D g, Layout layout, float[][] head, int layer, int h, Colormap cmap) {
        g.setColor(Color.BLACK);
        g.setFont(Fonts.sans(Layout.PANEL_TITLE_SIZE));
        g.drawString(panelTitle(layer, h), layout.panelLeft(h), layout.panelTitleBaseline(h));
        drawLabels(g, layout, h);
        for (int q = 0; q < head.length; q++) {
            for (int k = 0; k < head.length; k++) {
                g.setColor(new Color(cmap.rgb(head[q][k])));
                g.fillRect(layout.cellLeft(h, k), layout.cellTop(h, q), layout.cell, layout.cell);
            }
        }
    }

    private static void drawLabels(Graphics2D g, Layout layout, int h) {
        g.setFont(Fonts.sans(layout.labelSize));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < layout.labels.size(); i++) {
            String label = layout.labels.get(i);
            if (label == null) {
                continue;
            }
            g.drawString(label, layout.gridLeft(h) - Layout.LABEL_GAP - metrics.stringWidth(label),
                    layout.cellTop(h, i) + layout.labelBaselineOffset());
            AffineTransform saved = g.getTransform();
            g.translate(layout.cellLeft(h, i) + layout.labelBaselineOffset(), layout.gridTop(h) - Layout.LABEL_GAP);
            g.rotate(-Math.PI / 2);
            g.drawString(label, 0, 0);
            g.setTransform(saved);
        }
    }

    /** The picture's title; when only every k-th token is labelled it says so and how labels read. */
    static String header(int layer, int heads, int tokens, int labelEvery) {
        String headRange = heads == 1 ? "head 0" : "heads 0\u2013" + (heads - 1);
        String labels = labelEvery == 1 ? "" : " \u00b7 labels on every " + ordinal(labelEvery)
                + " token (position:token, from 0)";
        return "layer " + layer + " \u00b7 " + headRange + " (0-based) \u00b7 " + tokens
                + (tokens == 1 ? " token" : " tokens") + labels;
    }

    private static String ordinal(int k) {
        String suffix = k % 100 >= 11 && k % 100 <= 13 ? "th" : switch (k % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return k + suffix;
    }

    private static String panelTitle(int layer, int head) {
        return "layer " + layer + " \u00b7 head " + head;
    }

    static Legend legend(Colormap cmap) {
        return new Legend(cmap, "0", "1", "attention probability");
    }

    private static void check(List<String> tokens, float[][][] heads, int layer) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("an attention heatmap needs at least one token");
        }
        if (heads.length == 0) {
            throw new IllegalArgumentException("an attention heatmap needs at least one head");
        }
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        }
        int t = tokens.size();
        for (int h = 0; h < heads.length; h++) {
            if (heads[h].length != t) {
                throw new IllegalArgumentException("head " + h + " has " + heads[h].length + " query rows for "
                        + t + " tokens");
            }
            for (int q = 0; q < t; q++) {
                if (heads[h][q].length != t) {
                    throw new IllegalArgumentException("head " + h + ", query " + q + " has " + heads[h][q].length
                            + " keys for " + t + " tokens");
                }
            }
        }
    }

    /**
     * Where everything goes. Cells shrink as the token count grows so that one head's grid stays near
     * {@link #MAX_GRID} pixels. Labels never shrink below {@link #SMALL_LABEL_SIZE}: once cells are narrower than
     * that, only every k-th token is labelled, prefixed with its position so the gaps can be counted, and the header
     * says so.
     */
    static final class Layout {
        static final int PANEL_TITLE_SIZE = 11;
        static final int LABEL_GAP = 3;
        private static final int MAX_GRID = 512;
        private static final int MAX_CELL = 14;
        private static final int MIN_CELL = 3;
        private static final int MIN_LABELLED_CELL = 8;
        private static final int MAX_LABEL_SIZE = 11;
        private static final int SMALL_LABEL_SIZE = 10;
        /** Room between the baselines of two neighbouring small labels. */
        private static final int SMALL_LABEL_PITCH = 12;
        /** Longer tokens are cut with an ellipsis in labels (tooltips keep them whole) so one cannot widen a panel. */
        private static final int MAX_LABEL_CHARS = 16;
        private static final int HEADS_PER_ROW = 4;
        private static final int PANEL_GAP = 24;
        private static final int SECTION_GAP = 14;

        final int cell;
        final int labelSize;
        /** 1 when every token is labelled, else k: tokens 0, k, 2k, ... are. */
        final int labelEvery;
        /** One entry per token: its label, or null where it goes unlabelled. */
        final List<String> labels;
        final String header;
        final int width;
        final int height;
        final int headerBaseline;
        final int legendTop;
        private final FontMetrics labelMetrics;
        private final int labelRoom;
        private final int panelTitleHeight;
        private final int panelTitleDescent;
        private final int panelWidth;
        private final int panelHeight;
        private final int columns;
        private final int panelsTop;

        Layout(List<String> tokens, int heads, int layer, Legend legend) {
            int count = tokens.size();
            cell = Math.max(MIN_CELL, Math.min(MAX_CELL, MAX_GRID / count));
            labelSize = cell >= MIN_LABELLED_CELL ? Math.min(MAX_LABEL_SIZE, cell - 1) : SMALL_LABEL_SIZE;
            labelEvery = cell >= MIN_LABELLED_CELL ? 1 : (SMALL_LABEL_PITCH + cell - 1) / cell;
            labels = labels(shorten(tokens), labelEvery);
            labelMetrics = Fonts.metrics(labelSize);
            labelRoom = widest(labels, labelMetrics) + 2 * LABEL_GAP;
            header = header(layer, heads, count, labelEvery);

            FontMetrics title = Fonts.metrics(TITLE_SIZE);
            FontMetrics panelTitle = Fonts.metrics(PANEL_TITLE_SIZE);
            headerBaseline = MARGIN + title.getAscent();
            panelsTop = MARGIN + title.getAscent() + title.getDescent() + SECTION_GAP;
            panelTitleDescent = panelTitle.getDescent();
            panelTitleHeight = panelTitle.getAscent() + panelTitleDescent + LABEL_GAP;
            // Few tokens make a grid narrower than its title; the title must not run into the next panel.
            panelWidth = Math.max(labelRoom + count * cell, panelTitle.stringWidth(panelTitle(layer, heads - 1)));
            panelHeight = panelTitleHeight + labelRoom + count * cell;
            columns = Math.min(heads, HEADS_PER_ROW);
            int rows = (heads + columns - 1) / columns;

            int panelsWidth = columns * panelWidth + (columns - 1) * PANEL_GAP;
            int headerWidth = title.stringWidth(header);
            width = 2 * MARGIN + Math.max(panelsWidth, Math.max(headerWidth, legend.width()));
            legendTop = panelsTop + rows * panelHeight + (rows - 1) * PANEL_GAP + SECTION_GAP;
            height = legendTop + legend.height() + MARGIN;
        }

        TitledFigure figure(Legend legend) {
            return new TitledFigure(width, height, header, headerBaseline, legend, legendTop);
        }

        /** Whether cells are large enough to be drawn (and pointed at) one by one in the SVG. */
        boolean vectorCells() {
            return cell >= MIN_LABELLED_CELL;
        }

        int panelLeft(int head) {
            return MARGIN + head % columns * (panelWidth + PANEL_GAP);
        }

        int panelTitleBaseline(int head) {
            return panelTop(head) + panelTitleHeight - LABEL_GAP - panelTitleDescent;
        }

        int gridLeft(int head) {
            return panelLeft(head) + labelRoom;
        }

        int gridTop(int head) {
            return panelTop(head) + panelTitleHeight + labelRoom;
        }

        int cellLeft(int head, int key) {
            return gridLeft(head) + key * cell;
        }

        int cellTop(int head, int query) {
            return gridTop(head) + query * cell;
        }

        /** Added to a row's top (or a column's left) to centre a label's glyphs on it. */
        int labelBaselineOffset() {
            return (cell + labelMetrics.getAscent() - labelMetrics.getDescent()) / 2;
        }

        private int panelTop(int head) {
            return panelsTop + head / columns * (panelHeight + PANEL_GAP);
        }

        private static List<String> shorten(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                boolean tooLong = token.codePointCount(0, token.length()) > MAX_LABEL_CHARS;
                out.add(tooLong ? token.substring(0, token.offsetByCodePoints(0, MAX_LABEL_CHARS - 1)) + "\u2026"
                        : token);
            }
            return out;
        }

        private static List<String> labels(List<String> shortened, int every) {
            List<String> out = new ArrayList<>(shortened.size());
            for (int i = 0; i < shortened.size(); i++) {
                out.add(every == 1 ? shortened.get(i) : i % every == 0 ? i + ":" + shortened.get(i) : null);
            }
            return out;
        }

        private static int widest(List<String> labels, FontMetrics metrics) {
            int widest = 0;
            for (String label : labels) {
                widest = label == null ? widest : Math.max(widest, metrics.stringWidth(label));
            }
            return widest;
        }
    }
}
