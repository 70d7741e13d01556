package dev.heed.toolkit.render.text;

import dev.heed.toolkit.render.Colormap;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;

/**
 * A horizontal colour bar with its end values below it and a caption to its right, drawn the same way into SVG and
 * Java2D so a saved picture can be read without its provenance.
 */
final class Legend {

    private static final int BAR_WIDTH = 160;
    private static final int BAR_HEIGHT = 10;
    private static final int LABEL_SIZE = 10;
    private static final int LABEL_GAP = 3;
    private static final int CAPTION_GAP = 8;
    /** Enough gradient stops that even turbo's and jet's bends look as they do in the PNG. */
    private static final int STOPS = 33;

    private final Colormap cmap;
    private final String low;
    private final String high;
    private final String caption;
    private final FontMetrics metrics = Fonts.metrics(LABEL_SIZE);

    Legend(Colormap cmap, String low, String high, String caption) {
        this.cmap = cmap;
        this.low = low;
        this.high = high;
        this.caption = caption;
    }

    int width() {
        return BAR_WIDTH + CAPTION_GAP + metrics.stringWidth(caption);
    }

    int height() {
        return BAR_HEIGHT + LABEL_GAP + metrics.getAscent() + metrics.getDescent();
    }

    /** Appends the legend with its top-left corner at (x, y); it defines the gradient id "legend-gradient". */
    void appendSvg(StringBuilder out, int x, int y) {
        out.append("<defs><linearGradient id=\"legend-gradient\">");
        for (int k = 0; k < STOPS; k++) {
            double t = (double) k / (STOPS - 1);
            out.append("<stop offset=\"").append(Markup.significant(t)).append("\" stop-color=\"")
                    .append(Markup.hex(cmap.rgb(t))).append("\"/>");
        }
        out.append("</linearGradient></defs>\n");
        out.append("<g font-size=\"").append(LABEL_SIZE).append("\">");
        out.append("<rect x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"").append(BAR_WIDTH)
                .append("\" height=\"").append(BAR_HEIGHT).append("\" fill=\"url(#legend-gradient)\"/>");
        int labelBaseline = y + BAR_HEIGHT + LABEL_GAP + metrics.getAscent();
        appendSvgText(out, x, labelBaseline, "start", low);
        appendSvgText(out, x + BAR_WIDTH, labelBaseline, "end", high);
        appendSvgText(out, x + BAR_WIDTH + CAPTION_GAP, y + barBaselineOffset(), "start", caption);
        out.append("</g>\n");
    }

    /** Draws the legend with its top-left corner at (x, y). */
    void draw(Graphics2D g, int x, int y) {
        for (int i = 0; i < BAR_WIDTH; i++) {
            g.setColor(new Color(cmap.rgb((double) i / (BAR_WIDTH - 1))));
            g.fillRect(x + i, y, 1, BAR_HEIGHT);
        }
        g.setColor(Color.BLACK);
        g.setFont(Fonts.sans(LABEL_SIZE));
        int labelBaseline = y + BAR_HEIGHT + LABEL_GAP + metrics.getAscent();
        g.drawString(low, x, labelBaseline);
        g.drawString(high, x + BAR_WIDTH - metrics.stringWidth(high), labelBaseline);
        g.drawString(caption, x + BAR_WIDTH + CAPTION_GAP, y + barBaselineOffset());
    }

    /** The baseline that centres a label's glyphs on the bar. */
    private int barBaselineOffset() {
        return (BAR_HEIGHT + metrics.getAscent() - metrics.getDescent()) / 2;
    }

    private static void appendSvgText(StringBuilder out, int x, int y, String anchor, String text) {
        out.append("<text x=\"").append(x).append("\" y=\"").append(y).append("\" text-anchor=\"").append(anchor)
                .append("\">").append(Markup.escape(text)).append("</text>");
    }
}
