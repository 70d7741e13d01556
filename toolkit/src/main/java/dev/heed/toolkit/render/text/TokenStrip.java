package dev.heed.toolkit.render.text;

import static dev.heed.toolkit.render.text.TitledFigure.MARGIN;
import static dev.heed.toolkit.render.text.TitledFigure.TITLE_SIZE;

import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Range;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A per-token score (attention rollout towards one token, token saliency) drawn as the text itself: one box per
 * token in reading order, its background coloured by the score and the score printed beneath. WordPiece
 * continuations ("##ing") are joined to the token before them without their "##", so words read as words, and lines
 * wrap only between words.
 */
public final class TokenStrip {

    private TokenStrip() {
    }

    /**
     * A standalone SVG document. Colours span [min(0, min score), max score], or with {@code signed} the symmetric
     * [-m, m] for m = max |score|, so zero sits at a diverging map's neutral middle.
     */
    public static String svg(List<String> tokens, float[] scores, String title, Colormap cmap, boolean signed) {
        check(tokens, scores);
        Range range = range(scores, signed);
        Legend legend = legend(cmap, range, signed);
        Layout layout = new Layout(tokens, scores, title, legend);
        return layout.figure(title, legend).svg(4096 + tokens.size() * 400, out -> {
            for (int i = 0; i < tokens.size(); i++) {
                appendBox(out, layout, i, tokens.get(i), cmap.rgb(range.toUnit(scores[i])));
            }
        });
    }

    /** The same picture as {@link #svg}, drawn with Java2D on white. */
    public static BufferedImage png(List<String> tokens, float[] scores, String title, Colormap cmap,
            boolean signed) {
        check(tokens, scores);
        Range range = range(scores, signed);
        Legend legend = legend(cmap, range, signed);
        Layout layout = new Layout(tokens, scores, title, legend);
        return layout.figure(title, legend).png(g -> {
            for (int i = 0; i < tokens.size(); i++) {
                drawBox(g, layout, i, cmap.rgb(range.toUnit(scores[i])));
            }
        });
    }

    /** Writes {@code baseName.svg} and {@code baseName.png} into {@code folder}, each atomically. */
    public static void write(Path folder, String baseName, List<String> tokens, float[] scores, String title,
            Colormap cmap, boolean signed) throws IOException {
        TitledFigure.write(folder, baseName, svg(tokens, scores, title, cmap, signed), png(tokens, scores, title, cmap, signed));
    }

    private static void appendBox(StringBuilder out, Layout layout, int i, String token, int rgb) {
        int centre = layout.left[i] + layout.boxWidth[i] / 2;
        out.append("<g><rect x=\"").append(layout.left[i]).append("\" y=\"").append(layout.top[i])
                .append("\" width=\"").append(layout.boxWidth[i]).append("\" height=\"").append(layout.boxHeight)
                .append("\" fill=\"").append(Markup.hex(rgb)).append("\"><title>").append(Markup.escape(token))
                .append(": ").append(Markup.escape(layout.scoreText[i])).append("</title></rect>");
        out.append("<g fill=\"").append(Markup.hex(textColour(rgb))).append("\" text-anchor=\"middle\">");
        out.append("<text x=\"").append(centre).append("\" y=\"").append(layout.top[i] + layout.tokenBaseline)
                .append("\" font-size=\"").append(Layout.TOKEN_SIZE).append("\">")
                .append(Markup.escape(layout.tokenText[i])).append("</text>");
        out.append("<text x=\"").append(centre).append("\" y=\"").append(layout.top[i] + layout.scoreBaseline)
                .append("\" font-size=\"").append(Layout.SCORE_SIZE).append("\">")
                .append(Markup.escape(layout.scoreText[i])).append("</text></g></g>\n");
    }

    private static void drawBox(Graphics2D g, Layout layout, int i, int rgb) {
        g.setColor(new Color(rgb));
        g.fillRect(layout.left[i], layout.top[i], layout.boxWidth[i], layout.boxHeight);
        int centre = layout.left[i] + layout.boxWidth[i] / 2;
        g.setColor(new Color(textColour(rgb)));
        g.setFont(Fonts.sans(Layout.TOKEN_SIZE));
        g.drawString(layout.tokenText[i], centre - layout.tokenMetrics.stringWidth(layout.tokenText[i]) / 2,
                layout.top[i] + layout.tokenBaseline);
        g.setFont(Fonts.sans(Layout.SCORE_SIZE));
        g.drawString(layout.scoreText[i], centre - layout.scoreMetrics.stringWidth(layout.scoreText[i]) / 2,
                layout.top[i] + layout.scoreBaseline);
    }

    /** Black on light backgrounds, white on dark ones, judged by Rec. 601 luma. */
    private static int textColour(int rgb) {
        int r = rgb >> 16 & 0xFF;
        int g = rgb >> 8 & 0xFF;
        int b = rgb & 0xFF;
        return 0.299 * r + 0.587 * g + 0.114 * b >= 128 ? 0x000000 : 0xFFFFFF;
    }

    /**
     * The colour range over the finite scores. An all-zero signed map gets [-1, 1] so that it is drawn in the
     * neutral middle rather than at the colormap's low end.
     */
    private static Range range(float[] scores, boolean signed) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            if (Float.isFinite(s)) {
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
        }
        if (min > max) {
            return new Range(0, signed ? 1 : 0); // no finite score at all
        }
        if (signed) {
            double m = Math.max(Math.abs(min), Math.abs(max));
            return m == 0 ? new Range(-1, 1) : new Range(-m, m);
        }
        return new Range(Math.min(0, min), max);
    }

    private static Legend legend(Colormap cmap, Range range, boolean signed) {
        return new Legend(cmap, Markup.significant(range.lo()), Markup.significant(range.hi()),
                signed ? "score (symmetric about 0)" : "score");
    }

    private static void check(List<String> tokens, float[] scores) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("a token strip needs at least one token");
        }
        if (tokens.size() != scores.length) {
            throw new IllegalArgumentException(tokens.size() + " tokens but " + scores.length + " scores");
        }
    }

    /** Box positions, wrapped at {@link #LINE_WIDTH} between words; a word wider than a line gets a line of its own. */
    private static final class Layout {
        static final int TOKEN_SIZE = 13;
        static final int SCORE_SIZE = 9;
        final FontMetrics tokenMetrics = Fonts.metrics(TOKEN_SIZE);
        final FontMetrics scoreMetrics = Fonts.metrics(SCORE_SIZE);
        /** Lines wrap before this many pixels, so a long input reads as a paragraph in a browser window. */
        private static final int LINE_WIDTH = 900;
        private static final int PAD = 4;
        private static final int WORD_GAP = 5;
        private static final int LINE_GAP = 6;
        /** Between the title, the lines of boxes and the legend. */
        private static final int SECTION_GAP = 12;
        private static final String CONTINUATION = "##";

        final String[] tokenText;
        final String[] scoreText;
        final int[] left;
        final int[] top;
        final int[] boxWidth;
        final int boxHeight;
        final int tokenBaseline;
        final int scoreBaseline;
        final int titleBaseline;
        final int legendTop;
        final int width;
        final int height;

        Layout(List<String> tokens, float[] scores, String title, Legend legend) {
            int n = tokens.size();
            tokenText = new String[n];
            scoreText = new String[n];
            boxWidth = new int[n];
            left = new int[n];
            top = new int[n];
            for (int i = 0; i < n; i++) {
                tokenText[i] = continuation(tokens.get(i)) ? tokens.get(i).substring(CONTINUATION.length())
                        : tokens.get(i);
                scoreText[i] = Markup.significant(scores[i]);
                boxWidth[i] = Math.max(tokenMetrics.stringWidth(tokenText[i]), scoreMetrics.stringWidth(scoreText[i]))
                        + 2 * PAD;
            }
            tokenBaseline = PAD + tokenMetrics.getAscent();
            scoreBaseline = tokenBaseline + tokenMetrics.getDescent() + scoreMetrics.getAscent();
            boxHeight = scoreBaseline + scoreMetrics.getDescent() + PAD;

            FontMetrics titleMetrics = Fonts.metrics(TITLE_SIZE);
            titleBaseline = MARGIN + titleMetrics.getAscent();
            int linesTop = MARGIN + titleMetrics.getAscent() + titleMetrics.getDescent() + SECTION_GAP;
            int line = 0;
            int x = 0;
            int widest = 0;
            for (int start = 0; start < n; ) {
                int end = wordEnd(tokens, start);
                int wordWidth = 0;
                for (int i = start; i < end; i++) {
                    wordWidth += boxWidth[i];
                }
                if (x > 0 && x + WORD_GAP + wordWidth > LINE_WIDTH) {
                    line++;
                    x = 0;
                } else if (x > 0) {
                    x += WORD_GAP;
                }
                for (int i = start; i < end; i++) {
                    left[i] = MARGIN + x;
                    top[i] = linesTop + line * (boxHeight + LINE_GAP);
                    x += boxWidth[i];
                }
                widest = Math.max(widest, x);
                start = end;
            }
            legendTop = linesTop + (line + 1) * (boxHeight + LINE_GAP) - LINE_GAP + SECTION_GAP;
            width = 2 * MARGIN + Math.max(widest, Math.max(titleMetrics.stringWidth(title), legend.width()));
            height = legendTop + legend.height() + MARGIN;
        }

        TitledFigure figure(String title, Legend legend) {
            return new TitledFigure(width, height, title, titleBaseline, legend, legendTop);
        }

        /** One past the last piece of the word starting at {@code start}. */
        private static int wordEnd(List<String> tokens, int start) {
            int end = start + 1;
            while (end < tokens.size() && continuation(tokens.get(end))) {
                end++;
            }
            return end;
        }

        /** A bare "##" is a token of its own, not a continuation of nothing. */
        private static boolean continuation(String token) {
            return token.startsWith(CONTINUATION) && token.length() > CONTINUATION.length();
        }
    }
}
