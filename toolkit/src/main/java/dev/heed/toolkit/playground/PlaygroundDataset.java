package dev.heed.toolkit.playground;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The four classification data sets of the TensorFlow Playground, generated as the original generates them: points
 * in roughly [-6, 6]² labelled -1 or +1 (the original's labels, which the network's tanh output is trained towards).
 *
 * <p>Noise is given in percent, 0 to 50, like the original's slider. For circle and xor, noise moves the point at
 * which the label is decided but not the point itself, so noisy labels show up as wrong-coloured points inside the
 * other class; for gauss it widens the blobs and for spiral it jitters the points. Gauss points may fall outside the
 * square at high noise, as in the original.
 */
public enum PlaygroundDataset {
    CIRCLE,
    XOR,
    GAUSS,
    SPIRAL;

    /** Points per data set, as in the original. */
    public static final int SAMPLES = 500;
    /** Half the side of the square the data and the heatmaps cover. */
    public static final double EXTENT = 6;
    /** The most noise the original's slider allows, in percent. */
    public static final int MAX_NOISE = 50;

    private static final double CIRCLE_RADIUS = 5;
    private static final double XOR_PADDING = 0.3;
    private static final double GAUSS_CENTRE = 2;
    private static final double SPIRAL_RADIUS = 5;
    private static final double SPIRAL_TURNS = 1.75;

    /** One labelled point; {@code label} is -1 or +1. */
    public record Point(double x1, double x2, int label) {
    }

    /** The shuffled points cut into the part the network trains on and the part its test loss is measured on. */
    public record Split(List<Point> train, List<Point> test) {
        public Split {
            train = List.copyOf(train);
            test = List.copyOf(test);
        }
    }

    /** The lower-case name used in settings summaries and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The data set named {@code id}; an unknown name is an error that lists the valid ones. */
    public static PlaygroundDataset fromId(String id) {
        for (PlaygroundDataset d : values()) {
            if (d.id().equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + id + "'; valid: circle, xor, gauss, spiral");
    }

    /**
     * {@link #SAMPLES} points shuffled and split: the first {@code floor(SAMPLES * trainRatio)} train, the rest test.
     * One {@link Random} seeded with {@code seed} draws the points and then the shuffle, so a seed fixes both.
     */
    public Split split(int noisePercent, double trainRatio, long seed) {
        if (!(trainRatio > 0 && trainRatio < 1)) {
            throw new IllegalArgumentException("train ratio must lie strictly between 0 and 1, got " + trainRatio);
        }
        Random random = new Random(seed);
        List<Point> points = new ArrayList<>(generate(noisePercent, random));
        Collections.shuffle(points, random);
        int trainCount = (int) Math.floor(points.size() * trainRatio);
        return new Split(points.subList(0, trainCount), points.subList(trainCount, points.size()));
    }

    /** {@link #SAMPLES} points in generation order (the classes one after the other for circle, gauss and spiral). */
    private List<Point> generate(int noisePercent, Random random) {
        if (noisePercent < 0 || noisePercent > MAX_NOISE) {
            throw new IllegalArgumentException("noise must be 0.." + MAX_NOISE + " percent, got " + noisePercent);
        }
        double noise = noisePercent / 100.0;
        List<Point> points = new ArrayList<>(SAMPLES);
        switch (this) {
            case CIRCLE -> addCircle(points, noise, random);
            case XOR -> addXor(points, noise, random);
            case GAUSS -> addGauss(points, noise, random);
            case SPIRAL -> addSpiral(points, noise, random);
        }
        return points;
    }

    /** Half the points in the inner disc, half in the outer ring; the label is the noisy point's side of radius 2.5. */
    private static void addCircle(List<Point> points, double noise, Random random) {
        addRing(points, 0, CIRCLE_RADIUS * 0.5, noise, random);
        addRing(points, CIRCLE_RADIUS * 0.7, CIRCLE_RADIUS, noise, random);
    }

    private static void addRing(List<Point> points, double innerRadius, double outerRadius, double noise,
            Random random) {
        for (int i = 0; i < SAMPLES / 2; i++) {
            double r = uniform(random, innerRadius, outerRadius);
            double angle = uniform(random, 0, 2 * Math.PI);
            double x1 = r * Math.sin(angle);
            double x2 = r * Math.cos(angle);
            double noisyX1 = x1 + uniform(random, -CIRCLE_RADIUS, CIRCLE_RADIUS) * noise;
            double noisyX2 = x2 + uniform(random, -CIRCLE_RADIUS, CIRCLE_RADIUS) * noise;
            int label = Math.hypot(noisyX1, noisyX2) < CIRCLE_RADIUS * 0.5 ? 1 : -1;
            points.add(new Point(x1, x2, label));
        }
    }

    /** Uniform in [-5, 5]² pushed 0.3 away from both axes, so that at noise 0 no point sits on the class border. */
    private static void addXor(List<Point> points, double noise, Random random) {
        for (int i = 0; i < SAMPLES; i++) {
            double x1 = awayFromAxis(uniform(random, -5, 5));
            double x2 = awayFromAxis(uniform(random, -5, 5));
            double noisyX1 = x1 + uniform(random, -5, 5) * noise;
            double noisyX2 = x2 + uniform(random, -5, 5) * noise;
            points.add(new Point(x1, x2, noisyX1 * noisyX2 >= 0 ? 1 : -1));
        }
    }

    private static double awayFromAxis(double v) {
        return v > 0 ? v + XOR_PADDING : v - XOR_PADDING;
    }

    /** Two blobs around (2, 2) and (-2, -2) whose variance grows linearly from 0.5 at noise 0 to 4 at noise 50%. */
    private static void addGauss(List<Point> points, double noise, Random random) {
        double sigma = Math.sqrt(0.5 + 3.5 * noise / 0.5);
        addBlob(points, GAUSS_CENTRE, sigma, 1, random);
        addBlob(points, -GAUSS_CENTRE, sigma, -1, random);
    }

    private static void addBlob(List<Point> points, double centre, double sigma, int label, Random random) {
        for (int i = 0; i < SAMPLES / 2; i++) {
            double x1 = centre + sigma * random.nextGaussian();
            double x2 = centre + sigma * random.nextGaussian();
            points.add(new Point(x1, x2, label));
        }
    }

    /** Two arms of 1.75 turns each, growing to radius 5, the second the first turned by half a turn. */
    private static void addSpiral(List<Point> points, double noise, Random random) {
        addArm(points, 0, 1, noise, random);
        addArm(points, Math.PI, -1, noise, random);
    }

    private static void addArm(List<Point> points, double phase, int label, double noise, Random random) {
        int n = SAMPLES / 2;
        for (int i = 0; i < n; i++) {
            double r = (double) i / n * SPIRAL_RADIUS;
            double t = SPIRAL_TURNS * i / n * 2 * Math.PI + phase;
            double x1 = r * Math.sin(t) + uniform(random, -1, 1) * noise;
            double x2 = r * Math.cos(t) + uniform(random, -1, 1) * noise;
            points.add(new Point(x1, x2, label));
        }
    }

    private static double uniform(Random random, double low, double high) {
        return low + random.nextDouble() * (high - low);
    }
}
