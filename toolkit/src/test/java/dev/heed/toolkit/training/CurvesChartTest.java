package dev.heed.toolkit.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.diagram.Scene;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The geometry of the curves chart, checked on its {@link Scene} (the SVG and the PNG are drawn from it). */
class CurvesChartTest {
    /** A short run as `heed train` records it: steps 0..n-1, each epoch's validation after its last step. */
    private static TrainingHistory shortRun(int steps, int epochs, double ratioScale) {
        TrainingHistory h = new TrainingHistory();
        for (int i = 0; i < steps; i++) {
            double loss = 2.3 * Math.exp(-i / 8.0) + 0.2;
            h.add(new TrainingHistory.Step(i, i * epochs / steps, loss, Map.of("conv1", 10.0 + i, "fc1", 2000.0 / (1 + i)),
                    Map.of("conv1", ratioScale * 5e-4, "fc1", ratioScale * 3e-2 / (1 + i)), Map.of(), Map.of(), Map.of()));
        }
        for (int e = 0; e < epochs; e++) {
            h.add(new TrainingHistory.Epoch(e, (long) steps * (e + 1) / epochs, 0.6 - 0.1 * e, 0.8, 1000));
        }
        return h;
    }

    private static List<Scene.Rect> frames(Scene scene) {
        return scene.shapes().stream().filter(s -> s instanceof Scene.Rect).map(s -> (Scene.Rect) s).toList();
    }

    @Test
    void validationPointsAreDrawnInsideTheFrame() {
        Scene scene = CurvesChart.scene(shortRun(40, 2, 1), "t");
        Scene.Rect frame = frames(scene).get(0);
        List<Scene.Circle> points = scene.shapes().stream().filter(s -> s instanceof Scene.Circle).map(s -> (Scene.Circle) s).toList();
        assertEquals(2, points.size(), "one marker per validation pass");
        for (Scene.Circle c : points) {
            assertTrue(c.cx() - c.r() >= frame.x() && c.cx() + c.r() <= frame.x() + frame.width(),
                    "x " + c.cx() + " inside [" + frame.x() + ", " + (frame.x() + frame.width()) + "]");
            assertTrue(c.cy() - c.r() >= frame.y() && c.cy() + c.r() <= frame.y() + frame.height(), "y " + c.cy());
        }
        // the last validation (after iteration 39, at 40) is right of the last step, not beyond the frame
        Scene.Line trainLoss = scene.shapes().stream().filter(s -> s instanceof Scene.Line l && "train loss".equals(l.tooltip()))
                .map(s -> (Scene.Line) s).findFirst().orElseThrow();
        assertTrue(points.get(1).cx() > trainLoss.xs()[trainLoss.xs().length - 1]);
    }

    @Test
    void debiasedSmoothingIsAWeightedMeanOfTheValuesSoFar() {
        // hand-computed: weight 0.5 on [1, 0] gives 1, then (0.5 * 0 + 0.25 * 1) / 0.75 = 1/3
        assertArrayEquals(new double[] {1, 1.0 / 3}, CurvesChart.smooth(new double[] {1, 0}, 0.5), 1e-12);
        double[] falling = new double[30];
        for (int i = 0; i < falling.length; i++) {
            falling[i] = 2.3 * Math.exp(-i / 5.0);
        }
        double[] smoothed = CurvesChart.smooth(falling, 0.9);
        assertEquals(falling[0], smoothed[0], 1e-12, "starts on the first value");
        for (int i = 0; i < falling.length; i++) {
            assertTrue(smoothed[i] <= falling[0] + 1e-12, "never above the largest value so far, at " + i);
            assertTrue(smoothed[i] >= falling[i] - 1e-12, "a mean of values at or above the current one, at " + i);
        }
        // the undebiased start (begin at the first value) still carried 0.9^10 = 35% of the first loss at step 10
        double undebiased = falling[0];
        for (int i = 1; i <= 10; i++) {
            undebiased = 0.9 * undebiased + 0.1 * falling[i];
        }
        assertTrue(smoothed[10] < undebiased - 0.3, smoothed[10] + " vs " + undebiased);
        assertTrue(Double.isNaN(CurvesChart.smooth(new double[] {1, Double.NaN, 0}, 0.5)[1]), "non-finite values stay gaps");
    }

    @Test
    void shortRunsAreNotSmoothedIntoLag() {
        assertEquals(0, CurvesChart.smoothingWeight(10));
        assertEquals(0.5, CurvesChart.smoothingWeight(40), 1e-12);
        assertEquals(0.9, CurvesChart.smoothingWeight(5000), 1e-12);
        Scene scene = CurvesChart.scene(shortRun(12, 1, 1), "t");
        assertFalse(scene.shapes().stream().anyMatch(s -> s instanceof Scene.Text t && t.text().contains("smoothed")));
    }

    @Test
    void ticksAreNiceNumbers() {
        assertEquals(500, NiceTicks.step(1876, 5), 1e-9);
        assertArrayEquals(new double[] {0, 500, 1000, 1500}, NiceTicks.linear(0, 1876, 5), 1e-9);
        assertArrayEquals(new double[] {0.2, 0.4, 0.6, 0.8}, NiceTicks.linear(0.1234, 0.9876, 4), 1e-12);
        assertArrayEquals(new String[] {"0.2", "0.4", "0.6", "0.8"}, NiceTicks.labels(NiceTicks.linear(0.1234, 0.9876, 4), false));
        assertArrayEquals(new double[] {1e-3, 1e-2, 1e-1, 1, 10}, NiceTicks.log(4e-4, 60, 5), 1e-15);
        assertArrayEquals(new double[] {0.2, 0.5, 1, 2, 5}, NiceTicks.log(0.15, 8, 5), 1e-12, "1-2-5 when under three decades");
        assertArrayEquals(new String[] {"2e-4", "5e-4", "1e-3", "2e-3"}, NiceTicks.labels(new double[] {2e-4, 5e-4, 1e-3, 2e-3}, true),
                "one form per axis");
        assertArrayEquals(new String[] {"0.01", "0.02", "0.05", "0.1"}, NiceTicks.labels(new double[] {0.01, 0.02, 0.05, 0.1}, true));
    }

    @Test
    void everyTickLabelOnTheChartIsANiceNumber() {
        Scene scene = CurvesChart.scene(shortRun(137, 3, 1), "t");
        int checked = 0;
        for (Scene.Rect frame : frames(scene)) {
            boolean log = scene.shapes().stream().anyMatch(s -> s instanceof Scene.Text t && t.text().equals("log scale")
                    && t.y() < frame.y() && t.y() > frame.y() - 20);
            // y tick labels: right-aligned just left of this frame; x tick labels: centred just under it
            double[] ys = scene.shapes().stream().filter(s -> s instanceof Scene.Text t && t.anchor().equals("end")
                    && t.x() < frame.x() && t.y() >= frame.y() && t.y() <= frame.y() + frame.height() + 5)
                    .mapToDouble(s -> Double.parseDouble(((Scene.Text) s).text())).sorted().toArray();
            double[] xs = scene.shapes().stream().filter(s -> s instanceof Scene.Text t && t.anchor().equals("middle")
                    && Math.abs(t.y() - (frame.y() + frame.height() + 14)) < 1e-9)
                    .mapToDouble(s -> Double.parseDouble(((Scene.Text) s).text())).sorted().toArray();
            assertTrue(ys.length >= 2 && xs.length >= 2, "ticks on both axes: " + ys.length + ", " + xs.length);
            for (double[] axis : log ? List.of(xs) : List.of(xs, ys)) {
                double step = axis[1] - axis[0];
                assertTrue(isOneTwoOrFive(step), "step " + step);
                for (double v : axis) {
                    assertEquals(Math.round(v / step), v / step, 1e-9, v + " is a multiple of " + step);
                }
                checked += axis.length;
            }
            if (log) {
                for (double v : ys) {
                    assertTrue(isOneTwoOrFive(v), "a log tick at 1, 2 or 5 x 10^k: " + v);
                }
                checked += ys.length;
            }
        }
        assertTrue(checked > 15, "found the tick labels: " + checked);
    }

    private static boolean isOneTwoOrFive(double v) {
        double mantissa = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
        return List.of(1.0, 2.0, 5.0).stream().anyMatch(m -> Math.abs(m - mantissa) < 1e-6);
    }

    @Test
    void logScaleIsSaidAtTheYAxisNotUnderTheIterationAxis() {
        Scene scene = CurvesChart.scene(shortRun(40, 1, 1), "t");
        List<Scene.Rect> frames = frames(scene);
        List<Scene.Text> logLabels = scene.shapes().stream().filter(s -> s instanceof Scene.Text t && t.text().contains("log scale"))
                .map(s -> (Scene.Text) s).toList();
        assertEquals(2, logLabels.size(), "the gradient-norm and update-ratio panels span decades; the loss panel does not");
        for (Scene.Text t : logLabels) {
            assertTrue(t.x() <= frames.get(0).x(), "left of the frame, over the y tick labels: " + t);
            assertTrue(frames.stream().anyMatch(f -> t.y() < f.y() && t.y() > f.y() - 20), "just above a frame's top: " + t);
        }
        assertTrue(scene.shapes().stream().noneMatch(s -> s instanceof Scene.Text t && t.text().contains("iteration") && t.text().contains("log")));
    }

    @Test
    void theValidationLegendStatesItsImageCount() {
        Scene scene = CurvesChart.scene(shortRun(40, 2, 1), "t");
        assertTrue(scene.shapes().stream().anyMatch(s -> s instanceof Scene.Text t && t.text().equals("validation (1,000 img)")));
    }
}
