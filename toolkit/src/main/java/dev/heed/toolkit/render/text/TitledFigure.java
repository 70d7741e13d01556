package dev.heed.toolkit.render.text;

import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.render.Images;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What {@link TokenHeatmap} and {@link TokenStrip} pictures share: a white page of a given size with a title at the
 * top left and a {@link Legend} below the content, drawn the same way into SVG and Java2D, and both written side by
 * side.
 */
final class TitledFigure {
    static final int MARGIN = 12;
    static final int TITLE_SIZE = 14;

    private final int width;
    private final int height;
    private final String title;
    private final int titleBaseline;
    private final Legend legend;
    private final int legendTop;

    TitledFigure(int width, int height, String title, int titleBaseline, Legend legend, int legendTop) {
        this.width = width;
        this.height = height;
        this.title = title;
        this.titleBaseline = titleBaseline;
        this.legend = legend;
        this.legendTop = legendTop;
    }

    /** The SVG document: its opening, the title, what {@code content} appends, the legend. */
    String svg(int capacity, Consumer<StringBuilder> content) {
        StringBuilder out = new StringBuilder(capacity);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width)
                .append(' ').append(height).append("\" font-family=\"").append(Fonts.SVG_FAMILY)
                .append("\">\n");
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        out.append("<text x=\"").append(MARGIN).append("\" y=\"").append(titleBaseline)
                .append("\" font-size=\"").append(TITLE_SIZE).append("\">").append(Markup.escape(title))
                .append("</text>\n");
        content.accept(out);
        legend.appendSvg(out, MARGIN, legendTop);
        out.append("</svg>\n");
        return out.toString();
    }

    /** The same picture drawn with Java2D on white: the title, what {@code content} draws, the legend. */
    BufferedImage png(Consumer<Graphics2D> content) {
        return page(width, height, title, TITLE_SIZE, titleBaseline, g -> {
            content.accept(g);
            legend.draw(g, MARGIN, legendTop);
        });
    }

    /** A white Java2D page with {@code title} in black at the left margin, then what {@code content} draws (in black). */
    static BufferedImage page(int width, int height, String title, int titleSize, int titleBaseline, Consumer<Graphics2D> content) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Fonts.graphics(image);
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(Fonts.sans(titleSize));
            g.drawString(title, MARGIN, titleBaseline);
            content.accept(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Writes {@code baseName.svg} and {@code baseName.png} into {@code folder}, each atomically. */
    static void write(Path folder, String baseName, String svg, BufferedImage png) throws IOException {
        AtomicFiles.write(folder.resolve(baseName + ".svg"), svg.getBytes(StandardCharsets.UTF_8));
        Images.writePngAtomically(png, folder.resolve(baseName + ".png"));
    }
}
