package dev.heed.toolkit.playground;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.playground.PlaygroundDataset.Point;
import dev.heed.toolkit.playground.PlaygroundDataset.Split;
import dev.heed.toolkit.playground.PlaygroundSettings.Regularization;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class PlaygroundTest {

    /**
     * The step budget for learning the circle: 1000 mini-batches of 10 (40 epochs) at learning rate 0.1. Seed 1 gets
     * below test loss 0.1 after about 460 steps, so the budget has twice that as margin; 9 of seeds 1..10 make it
     * within 800 steps (seed 6 stalls in a poor minimum, which is why the seed is fixed).
     */
    private static final int CIRCLE_STEP_BUDGET = 1000;

    private static int masterThreads;

    @TempDir
    Path dir;

    /**
     * These networks are a few neurons wide, so libnd4j's extra op threads only add hand-off cost, and on a busy
     * two-core machine their waiting made this class take 100 s instead of 16 s. Results are bit-identical either
     * way; the setting is process-wide, so it is put back for the tests that follow.
     */
    @BeforeAll
    static void runOpsOnOneThread() {
        masterThreads = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getEnvironment().setMaxMasterThreads(1);
    }

    @AfterAll
    static void restoreOpThreads() {
        Nd4j.getEnvironment().setMaxMasterThreads(masterThreads);
    }

    @Test
    void oneHiddenLayerOfFourTanhUnitsLearnsTheCircle() {
        PlaygroundSettings settings = PlaygroundSettings.defaults()
                .withHiddenLayers(List.of(4))
                .withLearningRate(0.1)
                .withSeed(1);
        Playground playground = Playground.create(settings);
        assertTrue(playground.testLoss() > 0.4, "an untrained network should be no better than chance");
        playground.steps(CIRCLE_STEP_BUDGET);
        assertEquals(CIRCLE_STEP_BUDGET, playground.iteration());
        assertEquals(CIRCLE_STEP_BUDGET / 25, playground.epoch(), "250 training points in batches of 10");
        assertTrue(playground.testLoss() < 0.1, "test loss " + playground.testLoss());
    }

    @Test
    void equalSettingsTrainIdentically() {
        PlaygroundSettings settings = PlaygroundSettings.defaults().withDataset(PlaygroundDataset.XOR)
                .withNoisePercent(20).withBatchSize(7);
        Playground first = Playground.create(settings);
        Playground second = Playground.create(settings);
        first.steps(200);
        for (int i = 0; i < 4; i++) {
            second.steps(50);
            second.neuronMaps(5); // looking at a run, as a viewer does between steps, must not change its course
        }
        assertHistoriesEqual(first.lossHistory(), second.lossHistory());
        assertEquals(201, first.lossHistory().size(), "iteration 0 and one row per step");
    }

    @Test
    void resetStartsTheRunOverIdentically() {
        Playground playground = Playground.create(PlaygroundSettings.defaults());
        double initialTestLoss = playground.testLoss();
        playground.steps(100);
        List<double[]> firstRun = playground.lossHistory();
        assertNotEquals(initialTestLoss, playground.testLoss());

        playground.reset();
        assertEquals(0, playground.iteration());
        assertEquals(0, playground.epoch());
        assertEquals(initialTestLoss, playground.testLoss());
        assertEquals(1, playground.lossHistory().size());
        playground.steps(100);
        assertHistoriesEqual(firstRun, playground.lossHistory());
    }

    /**
     * One full-batch step of a network with no hidden layer, output tanh(w·x + b), against the original's update:
     * w -= lr (mean((o − y)(1 − o²) x) + rate w) and b -= lr mean((o − y)(1 − o²)). This pins down the halved
     * learning rate and doubled L2 coefficient that map DL4J's squared error onto the original's half squared error.
     */
    @Test
    void oneStepIsTheOriginalsUpdate() {
        double learningRate = 0.1;
        double rate = 0.01;
        PlaygroundSettings settings = PlaygroundSettings.defaults()
                .withHiddenLayers(List.of())
                .withBatchSize(250)
                .withLearningRate(learningRate)
                .withRegularization(Regularization.L2, rate);
        Playground playground = Playground.create(settings);
        double[] w = {playground.weights(0)[0][0], playground.weights(0)[1][0]};
        double b = atanh(playground.output(0, 0));
        double[] weightGradient = new double[2];
        double biasGradient = 0;
        List<Point> train = playground.data().train();
        for (Point p : train) {
            double o = Math.tanh(w[0] * p.x1() + w[1] * p.x2() + b);
            double delta = (o - p.label()) * (1 - o * o) / train.size();
            weightGradient[0] += delta * p.x1();
            weightGradient[1] += delta * p.x2();
            biasGradient += delta;
        }
        playground.step();
        assertEquals(w[0] - learningRate * (weightGradient[0] + rate * w[0]), playground.weights(0)[0][0], 1e-12);
        assertEquals(w[1] - learningRate * (weightGradient[1] + rate * w[1]), playground.weights(0)[1][0], 1e-12);
        assertEquals(b - learningRate * biasGradient, atanh(playground.output(0, 0)), 1e-9);
    }

    @Test
    void l2ShrinksTheWeights() {
        PlaygroundSettings plain = PlaygroundSettings.defaults().withLearningRate(0.1);
        Playground unregularised = Playground.create(plain);
        Playground regularised = Playground.create(plain.withRegularization(Regularization.L2, 0.03));
        assertEquals(squaredWeightNorm(unregularised), squaredWeightNorm(regularised), "same initial weights");
        unregularised.steps(150);
        regularised.steps(150);
        double without = squaredWeightNorm(unregularised);
        double with = squaredWeightNorm(regularised);
        assertTrue(with < 0.8 * without, "L2 " + with + " vs none " + without);
    }

    @Test
    void everyDatasetHasFiveHundredPointsSplitByTheRatio() {
        for (PlaygroundDataset dataset : PlaygroundDataset.values()) {
            Split half = dataset.split(25, 0.5, 3);
            assertEquals(250, half.train().size(), dataset.id());
            assertEquals(250, half.test().size(), dataset.id());
            Split most = dataset.split(25, 0.8, 3);
            assertEquals(400, most.train().size(), dataset.id());
            assertEquals(100, most.test().size(), dataset.id());
        }
    }

    @Test
    void classesAreBalanced() {
        for (PlaygroundDataset dataset : List.of(PlaygroundDataset.CIRCLE, PlaygroundDataset.GAUSS,
                PlaygroundDataset.SPIRAL)) {
            assertEquals(250, positives(dataset.split(0, 0.5, 11)), dataset.id());
        }
        for (PlaygroundDataset dataset : List.of(PlaygroundDataset.GAUSS, PlaygroundDataset.SPIRAL)) {
            assertEquals(250, positives(dataset.split(50, 0.5, 11)), dataset.id() + ": noise never relabels");
        }
        long xorPositives = positives(PlaygroundDataset.XOR.split(0, 0.5, 11));
        assertTrue(xorPositives > 200 && xorPositives < 300, "xor positives " + xorPositives);
    }

    @Test
    void noiselessCirclePointsSeparateByRadius() {
        for (Point p : all(PlaygroundDataset.CIRCLE.split(0, 0.5, 5))) {
            double r = Math.hypot(p.x1(), p.x2());
            if (p.label() > 0) {
                assertTrue(r < 2.5, "inner point at radius " + r);
            } else {
                assertTrue(r >= 3.5 && r <= 5, "outer point at radius " + r);
            }
        }
    }

    @Test
    void noiselessXorIsLabelledByTheSignOfTheProduct() {
        for (Point p : all(PlaygroundDataset.XOR.split(0, 0.5, 5))) {
            assertEquals(p.x1() * p.x2() > 0 ? 1 : -1, p.label());
            assertTrue(Math.abs(p.x1()) >= 0.3 && Math.abs(p.x2()) >= 0.3, "kept off the axes");
        }
    }

    @Test
    void noiseFlipsSomeCircleLabels() {
        long misplaced = all(PlaygroundDataset.CIRCLE.split(50, 0.5, 5)).stream()
                .filter(p -> (Math.hypot(p.x1(), p.x2()) < 2.5) != (p.label() > 0))
                .count();
        assertTrue(misplaced > 25, "noise 50% left only " + misplaced + " points on the wrong side");
    }

    @Test
    void pointsStayInTheSquare() {
        for (PlaygroundDataset dataset : List.of(PlaygroundDataset.CIRCLE, PlaygroundDataset.XOR,
                PlaygroundDataset.SPIRAL)) {
            for (Point p : all(dataset.split(50, 0.5, 9))) {
                assertTrue(Math.abs(p.x1()) <= 6 && Math.abs(p.x2()) <= 6, dataset.id() + " " + p);
            }
        }
    }

    @Test
    void aSeedFixesTheData() {
        assertEquals(PlaygroundDataset.SPIRAL.split(30, 0.5, 42), PlaygroundDataset.SPIRAL.split(30, 0.5, 42));
        assertNotEquals(PlaygroundDataset.SPIRAL.split(30, 0.5, 42), PlaygroundDataset.SPIRAL.split(30, 0.5, 43));
    }

    @Test
    void featuresComputeWhatTheySay() {
        double x1 = 2;
        double x2 = -3;
        assertEquals(2, Feature.X1.apply(x1, x2));
        assertEquals(-3, Feature.X2.apply(x1, x2));
        assertEquals(4, Feature.X1_SQUARED.apply(x1, x2));
        assertEquals(9, Feature.X2_SQUARED.apply(x1, x2));
        assertEquals(-6, Feature.X1_TIMES_X2.apply(x1, x2));
        assertEquals(Math.sin(2), Feature.SIN_X1.apply(x1, x2));
        assertEquals(Math.sin(-3), Feature.SIN_X2.apply(x1, x2));
    }

    @Test
    void settingsKeepFeaturesInOrderAndRejectWhatTheOriginalCannotShow() {
        PlaygroundSettings s = PlaygroundSettings.defaults().withFeatures(List.of(Feature.SIN_X2, Feature.X1));
        assertEquals(List.of(Feature.X1, Feature.SIN_X2), s.features());
        PlaygroundSettings d = PlaygroundSettings.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withFeatures(List.of()));
        assertThrows(IllegalArgumentException.class, () -> d.withFeatures(List.of(Feature.X1, Feature.X1)));
        assertThrows(IllegalArgumentException.class, () -> d.withHiddenLayers(List.of(9)));
        assertThrows(IllegalArgumentException.class, () -> d.withHiddenLayers(List.of(1, 1, 1, 1, 1, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> d.withNoisePercent(51));
        assertThrows(IllegalArgumentException.class, () -> d.withTrainRatio(1));
        assertThrows(IllegalArgumentException.class, () -> d.withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> d.withLearningRate(0));
    }

    @Test
    void neuronMapsCoverEveryNeuronWithYUp() {
        PlaygroundSettings settings = PlaygroundSettings.defaults()
                .withFeatures(List.of(Feature.X1, Feature.X2, Feature.X1_TIMES_X2))
                .withHiddenLayers(List.of(3, 2));
        Playground playground = Playground.create(settings);
        playground.steps(20);
        int resolution = 7;
        float[][] maps = playground.neuronMaps(resolution);
        assertArrayEquals(new int[] {3, 3, 2, 1}, playground.layerWidths());
        assertEquals(3 + 3 + 2 + 1, maps.length);
        for (float[] map : maps) {
            assertEquals(resolution * resolution, map.length);
        }
        float[] output = maps[maps.length - 1];
        for (int[] cell : new int[][] {{0, 0}, {0, 6}, {3, 3}, {6, 0}, {5, 2}}) {
            int row = cell[0];
            int column = cell[1];
            double x1 = -6 + (column + 0.5) * 12.0 / resolution;
            double x2 = 6 - (row + 0.5) * 12.0 / resolution;
            int i = row * resolution + column;
            assertEquals(x1, maps[0][i], 1e-5, "X1 grows to the right");
            assertEquals(x2, maps[1][i], 1e-5, "X2 grows upwards");
            assertEquals(x1 * x2, maps[2][i], 1e-5);
            assertEquals(playground.output(x1, x2), output[i], 1e-6, "output at row " + row + ", column " + column);
        }
    }

    @Test
    void framesDrawAtTheRequestedSize() {
        Playground deep = Playground.create(PlaygroundSettings.defaults()
                .withFeatures(List.of(Feature.values()))
                .withHiddenLayers(List.of(8, 8, 8, 8, 8, 8))
                .withRegularization(Regularization.L1, 0.001));
        deep.steps(3);
        BufferedImage frame = PlaygroundFrame.render(deep, 800, 450);
        assertEquals(800, frame.getWidth());
        assertEquals(450, frame.getHeight());
        Playground linear = Playground.create(PlaygroundSettings.defaults().withHiddenLayers(List.of()));
        BufferedImage small = PlaygroundFrame.render(linear, 320, 200);
        assertEquals(320, small.getWidth());
        assertThrows(IllegalArgumentException.class, () -> PlaygroundFrame.render(linear, 100, 100));
    }

    @Test
    void gifHoldsTheStartAFrameEveryKStepsAndTheEnd() throws IOException {
        Playground playground = Playground.create(PlaygroundSettings.defaults());
        Path gif = dir.resolve("run.gif");
        PlaygroundRecorder.gif(playground, 12, 5, 80, gif);
        assertEquals(12, playground.iteration());
        int expected = 4; // before training, after steps 5 and 10, after step 12
        assertEquals(expected, PlaygroundRecorder.frameCount(12, 5));
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            assertEquals(expected, reader.getNumImages(true));
            assertEquals(PlaygroundRecorder.WIDTH, reader.getWidth(0));
            assertEquals(PlaygroundRecorder.HEIGHT, reader.getHeight(0));
        } finally {
            reader.dispose();
        }
        assertEquals(List.of(gif), listing(dir), "no temporary file left behind");
    }

    @Test
    void pngSequenceIsNumberedFromOne() throws IOException {
        Playground playground = Playground.create(PlaygroundSettings.defaults());
        Path frames = dir.resolve("frames");
        PlaygroundRecorder.pngSequence(playground, 4, 2, frames);
        assertEquals(List.of(frames.resolve("frame-00001.png"), frames.resolve("frame-00002.png"),
                frames.resolve("frame-00003.png")), listing(frames));
        BufferedImage last = ImageIO.read(frames.resolve("frame-00003.png").toFile());
        assertEquals(PlaygroundRecorder.WIDTH, last.getWidth());
    }

    private static void assertHistoriesEqual(List<double[]> expected, List<double[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "row " + i);
        }
    }

    private static double atanh(double y) {
        return 0.5 * Math.log((1 + y) / (1 - y));
    }

    private static double squaredWeightNorm(Playground playground) {
        double sum = 0;
        for (int layer = 0; layer < playground.layerWidths().length - 1; layer++) {
            for (double[] row : playground.weights(layer)) {
                for (double w : row) {
                    sum += w * w;
                }
            }
        }
        return sum;
    }

    private static long positives(Split split) {
        return all(split).stream().filter(p -> p.label() > 0).count();
    }

    private static List<Point> all(Split split) {
        List<Point> points = new ArrayList<>(split.train());
        points.addAll(split.test());
        return points;
    }

    private static List<Path> listing(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }
}
