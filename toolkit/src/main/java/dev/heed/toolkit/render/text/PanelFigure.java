package dev.heed.toolkit.render.text;

import dev.heed.toolkit.render.ColorBar;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Range;
import java.awt.FontMetrics;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Equal-sized panels side by side, each with its title above it, a figure title on top and a vertical colour bar
 * on the right with its caption, so that a saved comparison (input | rollout | class-specific relevance) can be read
 * without its provenance.
 */
public final class PanelFigure {

    /** The page margin, which {@link TitledFigure#page} draws the title at. */
    static final int MARGIN = TitledFigure.MARGIN;
    static final int GAP = 16;
    static final int TITLE_SIZE = 15;
    static final int PANEL_TITLE_SIZE = 13;
    static final int CAPTION_SIZE = 11;
    private static final int TITLE_GAP = 6;

    private PanelFigure() {
    }

    /**
     * The figure; every panel must have the size of the first. The bar spans {@code barRange} in {@code cmap} and is
     * captioned {@code barCaption} beneath the panels, aligned with the bar.
     */
    public static BufferedImage draw(String title, List<BufferedImage> panels, List<String> panelTitles,
            Colormap cmap, Range barRange, String barCaption) {
        if (panels.isEmpty() || panels.size() != panelTitles.size()) {
            throw new IllegalArgumentException("need one title per panel and at least one panel, got " + panels.size()
                    + " panels and " + panelTitles.size() + " titles");
        }
        int side = panels.get(0).getWidth();
        int height = panels.get(0).getHeight();
        for (BufferedImage panel : panels) {
            if (panel.getWidth() != side || panel.getHeight() != height) {
                throw new IllegalArgumentException("panels differ in size: " + side + "x" + height + " and "
                        + panel.getWidth() + "x" + panel.getHeight());
            }
        }
        FontMetrics titleMetrics = Fonts.metrics(TITLE_SIZE);
        FontMetrics panelMetrics = Fonts.metrics(PANEL_TITLE_SIZE);
        FontMetrics captionMetrics = Fonts.metrics(CAPTION_SIZE);
        int cellWidth = Math.max(side, panelTitles.stream().mapToInt(panelMetrics::stringWidth).max().orElse(0));
        BufferedImage bar = ColorBar.vertical(cmap, barRange, height);
        int panelTitleTop = MARGIN + titleMetrics.getHeight() + TITLE_GAP;
        int panelTop = panelTitleTop + panelMetrics.getHeight() + TITLE_GAP / 2;
        int barLeft = MARGIN + panels.size() * (cellWidth + GAP);
        int contentWidth = barLeft + bar.getWidth() - MARGIN;
        int captionTop = panelTop + height + TITLE_GAP;
        int width = 2 * MARGIN + Math.max(contentWidth, Math.max(titleMetrics.stringWidth(title),
                captionMetrics.stringWidth(barCaption)));
        int figureHeight = captionTop + captionMetrics.getHeight() + MARGIN;

        return TitledFigure.page(width, figureHeight, title, TITLE_SIZE, MARGIN + titleMetrics.getAscent(), g -> {
            g.setFont(Fonts.sans(PANEL_TITLE_SIZE));
            for (int i = 0; i < panels.size(); i++) {
                int left = MARGIN + i * (cellWidth + GAP);
                g.drawString(panelTitles.get(i), left, panelTitleTop + panelMetrics.getAscent());
                g.drawImage(panels.get(i), left, panelTop, null);
            }
            g.drawImage(bar, barLeft, panelTop, null);
            g.setFont(Fonts.sans(CAPTION_SIZE));
            g.drawString(barCaption, width - MARGIN - captionMetrics.stringWidth(barCaption),
                    captionTop + captionMetrics.getAscent());
        });
    }
}
