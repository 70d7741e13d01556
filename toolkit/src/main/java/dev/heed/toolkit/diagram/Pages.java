package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Puts the bands of a long drawing (the rows of a 3-D strip, the columns of a block diagram) onto pages no larger than
 * {@link #LIMIT} units each way, joining consecutive bands on a page with a connector arrow. A network too long for one
 * page is split over several rather than drawn as one image tens of thousands of pixels long.
 */
public final class Pages {
    /** The largest page side in scene units (SVG pixels; PNG pixels are this times the PNG scale). */
    public static final double LIMIT = 2400;
    static final double MARGIN = 20;
    static final double GAP = 40;
    private static final int CONNECTOR = 0x888888;

    /** How bands follow each other on a page. */
    enum Flow { DOWN, ACROSS }

    /**
     * One band of a drawing with its origin at (0, 0): where the flow enters it (left of its first element) and where
     * it leaves it (after its last element), in its own coordinates.
     */
    record Band(Scene scene, double entryX, double entryY, double exitX, double exitY) { }

    private Pages() {
    }

    /**
     * The bands on as few pages as fit: {@code header.apply(page, pageCount)} draws each page's heading, at most
     * {@code headerHeight} tall. A band larger than a page still gets a page of its own.
     */
    static List<Scene> pack(List<Band> bands, Flow flow, double headerHeight, BiFunction<Integer, Integer, Scene> header) {
        List<List<Band>> pages = new ArrayList<>();
        List<Band> page = new ArrayList<>();
        double used = 0;
        for (Band band : bands) {
            double size = flow == Flow.DOWN ? band.scene().height() : band.scene().width();
            double room = LIMIT - 2 * MARGIN - (flow == Flow.DOWN ? headerHeight : 0);
            if (!page.isEmpty() && used + GAP + size > room) {
                pages.add(page);
                page = new ArrayList<>();
                used = 0;
            }
            used += (page.isEmpty() ? 0 : GAP) + size;
            page.add(band);
        }
        if (!page.isEmpty()) {
            pages.add(page);
        }
        List<Scene> scenes = new ArrayList<>();
        for (int p = 0; p < pages.size(); p++) {
            scenes.add(page(pages.get(p), flow, headerHeight, header.apply(p + 1, pages.size())));
        }
        return scenes;
    }

    private static Scene page(List<Band> bands, Flow flow, double headerHeight, Scene heading) {
        double top = MARGIN + headerHeight;
        double[] xs = new double[bands.size()];
        double[] ys = new double[bands.size()];
        double x = MARGIN;
        double y = top;
        double right = MARGIN + heading.width();
        double bottom = top;
        for (int i = 0; i < bands.size(); i++) {
            Scene s = bands.get(i).scene();
            xs[i] = x;
            ys[i] = y;
            right = Math.max(right, x + s.width());
            bottom = Math.max(bottom, y + s.height());
            if (flow == Flow.DOWN) {
                y += s.height() + GAP;
            } else {
                x += s.width() + GAP;
            }
        }
        Scene scene = new Scene(right + MARGIN, bottom + MARGIN);
        scene.addAll(heading, MARGIN, MARGIN);
        for (int i = 0; i < bands.size(); i++) {
            scene.addAll(bands.get(i).scene(), xs[i], ys[i]);
        }
        for (int i = 1; i < bands.size(); i++) {
            Band from = bands.get(i - 1);
            Band to = bands.get(i);
            double ex = xs[i - 1] + from.exitX();
            double ey = ys[i - 1] + from.exitY();
            double nx = xs[i] + to.entryX();
            double ny = ys[i] + to.entryY();
            if (flow == Flow.DOWN) {
                // out to the right of the row, back along the gap under it, into the next row from the left
                double gapY = ys[i] - GAP / 2;
                scene.add(new Scene.Line(new double[] {ex, ex + 10, ex + 10, nx - 12, nx - 12, nx},
                        new double[] {ey, ey, gapY, gapY, ny, ny}, CONNECTOR, 1.4, 1, true, "continues in the next row"));
            } else {
                // down out of the column, across the gap beside it, up to the next column's first box
                double gapX = xs[i] - GAP / 2;
                double below = Math.min(ey + 10, ys[i - 1] + from.scene().height() + MARGIN / 2);
                scene.add(new Scene.Line(new double[] {ex, ex, gapX, gapX, nx}, new double[] {ey, below, below, ny, ny},
                        CONNECTOR, 1.4, 1, true, "continues in the next column"));
            }
        }
        return scene;
    }

    /** Pages next to each other on one canvas, for the viewer, which pans and zooms instead of paging. */
    public static Scene sideBySide(List<Scene> pages) {
        if (pages.size() == 1) {
            return pages.get(0);
        }
        double width = pages.stream().mapToDouble(Scene::width).sum() + GAP * (pages.size() - 1);
        double height = pages.stream().mapToDouble(Scene::height).max().orElse(0);
        Scene joined = new Scene(width, height);
        double x = 0;
        for (int i = 0; i < pages.size(); i++) {
            if (i > 0) {
                joined.add(new Scene.Line(new double[] {x - GAP / 2, x - GAP / 2}, new double[] {0, height}, 0xcccccc, 1, 1, false, null));
            }
            joined.addAll(pages.get(i), x, 0);
            x += pages.get(i).width() + GAP;
        }
        return joined;
    }
}
