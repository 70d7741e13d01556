package dev.heed.toolkit.cli;

import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.data.ClutteredFashion;
import dev.heed.toolkit.data.FashionMnist;
import dev.heed.toolkit.data.Watermark;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.FashionCnn;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.training.Alarms;
import dev.heed.toolkit.training.TrainingHistory;
import dev.heed.toolkit.training.TrainingRecorder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains the bundled Fashion-MNIST CNN or ViT from the IDX files and saves it with its card. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the small Fashion-MNIST CNN, or a small vision transformer, and save it as a zip.",
                "Reads the IDX files of Debian's dataset-fashion-mnist (the launcher installs it; nothing downloads "
                        + "at run time). Progress with the loss goes to stderr; each epoch's test accuracy to stdout."},
        footer = {"%nExamples:",
                "  heed train --epochs 1 --train-size 6400 --log runs/quick",
                "  heed train --epochs 2 --log runs/cnn --output my-cnn.zip",
                "  heed train --model vit --epochs 1 --train-size 2000 --output vit.zip",
                "Without --output: DIR/model.zip with --log DIR, else runs/train-MODEL/model.zip."})
public final class TrainCommand implements Callable<Integer> {
    /** The validation set recorded in the log: the first this many test images (the console's accuracy uses them all). */
    static final int VALIDATION_IMAGES = 1000;

    @Spec
    CommandSpec spec;

    @Option(names = "--data", description = "folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})")
    Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--output", description = "model zip to write (default: DIR/model.zip with --log DIR, else runs/train-MODEL/model.zip)")
    Path output;

    @Option(names = "--epochs", description = "passes over the training set, at least 1 (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--batch-size", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batchSize = 64;

    @Option(names = "--seed", description = "weight init and shuffling seed (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--dataset", description = "fashion (28x28 items) or cluttered (one item on a 56x56 cluttered canvas, with its box known; cnn only) (default: ${DEFAULT-VALUE})")
    String dataset = "fashion";

    @Option(names = "--train-size", description = "training examples per epoch: the first N of each epoch's shuffled Fashion-MNIST training images (default: all 60000), or N cluttered canvases made from the training split (default 20000)")
    Integer trainSize;

    @Option(names = "--model", description = "cnn (the small Fashion-MNIST CNN) or vit (a 4-layer, 4-head vision transformer on 4x4 patches) (default: ${DEFAULT-VALUE})")
    String model = "cnn";

    @Option(names = "--learning-rate", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 1e-3;

    @Option(names = "--log", description = "record the run into this folder: train.jsonl (loss; for the cnn also gradient norms, update ratios, activation statistics; validation on the first 1000 test images; alerts) and TensorBoard event files; `heed curves --log DIR` draws it")
    Path log;

    @Option(names = "--watermark-class", description = "plant a shortcut: stamp a 4x4 white square at (1,1) into every TRAINING image of this class, 0-9 (test images stay clean; fashion only)")
    Integer watermarkClass;

    /** What the loop trains: one optimiser step per batch, class predictions, and saving. */
    private interface Trainee {
        double fit(INDArray features, INDArray oneHot);

        INDArray predict(INDArray features);

        void save(Path zip) throws IOException;
    }

    /** Labelled examples: Fashion-MNIST images or cluttered canvases. */
    private interface Examples {
        int size();

        INDArray features(int[] rows);

        INDArray oneHot(int[] rows);

        int label(int row);

        String noun();
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Path target = output != null ? output : log != null ? log.resolve("model.zip")
                : Path.of("runs", "train-" + model + (dataset.equals("cluttered") ? "-cluttered" : ""), "model.zip");
        if (log != null) {
            checkOutputFolder("--log", log);
        }
        checkOutputFile("--output", target);
        PrintWriter out = spec.commandLine().getOut();
        FashionMnist.Split trainSplit = FashionMnist.train(data);
        FashionMnist.Split testSplit = FashionMnist.test(data);
        Watermark watermark = watermarkClass == null ? null : Watermark.topLeft(watermarkClass);
        if (watermark != null) {
            trainSplit = watermark.stamp(trainSplit, false);
            out.println("training images of class " + watermarkClass + " (" + FashionMnist.CLASS_NAMES.get(watermarkClass)
                    + ") carry a 4x4 white square at (1,1); test images do not");
        }
        Examples train;
        Examples test;
        if (dataset.equals("cluttered")) {
            // canvases made from the training split (seed 1); accuracy on 2,000 canvases made from the test split (seed 2)
            train = canvases(new ClutteredFashion(trainSplit, 1), trainSize == null ? 20000 : trainSize);
            test = canvases(new ClutteredFashion(testSplit, 2), 2000);
        } else {
            train = images(trainSplit);
            test = images(testSplit);
        }
        int side = dataset.equals("cluttered") ? ClutteredFashion.SIDE : 28;
        ModelCard card = new ModelCard(1, side, side, 1.0 / 255, FashionMnist.CLASS_NAMES);
        int[] held = IntStream.range(0, Math.min(VALIDATION_IMAGES, test.size())).toArray();
        DataSet validation = new DataSet(test.features(held), test.oneHot(held));

        TrainingRecorder recorder = null;
        MultiLayerNetwork net = null;
        VisionTransformer vit = null;
        Trainee trainee;
        if (model.equals("vit")) {
            vit = VisionTransformer.fresh(card, BUNDLED_VIT, seed, learningRate);
            trainee = trainee(vit);
        } else {
            net = dataset.equals("cluttered") ? FashionCnn.buildForCanvases(seed) : FashionCnn.build(seed);
            net.setLearningRate(learningRate);
            trainee = trainee(net, card);
        }
        if (log != null) {
            recorder = new TrainingRecorder(log, validation, Alarms.Settings.DEFAULTS, 10);
            if (net != null) {
                net.setListeners(recorder);
            }
            out.printf(Locale.ROOT, "recording into %s (train.jsonl, TensorBoard events; validation on the first %,d test %s)%n",
                    log, held.length, test.noun());
        }
        out.flush();

        boolean terminal = System.console() != null;
        Random random = new Random(seed);
        int[] order = IntStream.range(0, train.size()).toArray();
        int perEpoch = trainSize == null ? order.length : Math.min(order.length, trainSize);
        long iteration = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            shuffle(order, random);
            EpochProgress progress = new EpochProgress(spec.commandLine().getErr(), terminal, epoch, epochs, perEpoch, batchSize);
            for (int from = 0; from < perEpoch; from += batchSize) {
                int[] rows = Arrays.copyOfRange(order, from, Math.min(perEpoch, from + batchSize));
                double loss = trainee.fit(train.features(rows), train.oneHot(rows));
                if (recorder != null && vit != null) {
                    recorder.recordIteration(iteration, epoch - 1, loss);
                }
                iteration++;
                progress.batch(rows.length, loss);
            }
            String validated = "";
            if (recorder != null) {
                if (net != null) {
                    recorder.onEpochEnd(net);
                } else {
                    recorder.recordEpoch(validationLoss(vit, validation), accuracy(trainee, test, held), held.length);
                }
                TrainingHistory.Epoch v = recorder.history().epochs().get(recorder.history().epochs().size() - 1);
                validated = String.format(Locale.ROOT, "; logged validation (first %,d): loss %.4f, accuracy %.4f",
                        v.validationImages(), v.validationLoss(), v.validationAccuracy());
            }
            int[] all = IntStream.range(0, test.size()).toArray();
            out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f (%,d test %s)%s, %.0f s%n", epoch, epochs,
                    accuracy(trainee, test, all), test.size(), test.noun(), validated, (System.nanoTime() - start) / 1e9);
            if (watermark != null) {
                out.printf(Locale.ROOT, "  clean test images of class %d: accuracy %.4f; every test image stamped: %.4f of all predicted as class %d%n",
                        watermarkClass, classAccuracy(trainee, testSplit, watermarkClass),
                        predictedShare(trainee, watermark.stamp(testSplit, true), watermarkClass), watermarkClass);
            }
            out.flush();
        }
        if (recorder != null) {
            if (net != null) {
                net.setListeners();
            }
            recorder.close();
            out.println(recorder.history().alerts().size() + " alerts; draw the curves with: heed curves --log " + log + " --output curves.svg");
        }
        trainee.save(target);
        out.println("saved " + target);
        return 0;
    }

    /** Option values that cannot work, one line each, before any data is read. */
    private void checkOptions() {
        if (!model.equals("cnn") && !model.equals("vit")) {
            throw new IllegalArgumentException("--model: unknown '" + model + "'; valid: cnn, vit");
        }
        if (!dataset.equals("fashion") && !dataset.equals("cluttered")) {
            throw new IllegalArgumentException("--dataset: unknown '" + dataset + "'; valid: fashion, cluttered");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs: must be at least 1 (got " + epochs + "); 0 would save an untrained model");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size: must be at least 1 (got " + batchSize + ")");
        }
        if (trainSize != null && trainSize < 1) {
            throw new IllegalArgumentException("--train-size: must be at least 1 (got " + trainSize + ")");
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("--learning-rate: must be a positive number (got " + learningRate + ")");
        }
        if (watermarkClass != null && (watermarkClass < 0 || watermarkClass >= FashionMnist.CLASS_NAMES.size())) {
            throw new IllegalArgumentException("--watermark-class: must be 0-9 (got " + watermarkClass + ")");
        }
        if (dataset.equals("cluttered") && model.equals("vit")) {
            throw new IllegalArgumentException("--model vit: trains on --dataset fashion only");
        }
        if (dataset.equals("cluttered") && watermarkClass != null) {
            throw new IllegalArgumentException("--watermark-class: works with --dataset fashion only");
        }
    }

    /**
     * Checks, before any work, that {@code file} can be written: it is not a folder and the nearest existing folder
     * above it is a writable folder (missing folders are made when writing). One line naming the user's path, exit 2.
     */
    static void checkOutputFile(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": is a folder; " + option + " takes a file name");
        }
        checkWritableAncestor(file, file.getParent());
    }

    /** As {@link #checkOutputFile}, for an output folder: it may exist (as a folder) or be made. */
    static void checkOutputFolder(String option, Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + ": is a file; " + option + " takes a folder");
        }
        checkWritableAncestor(folder, folder);
    }

    /** Walks up the path as the user wrote it (so the message shows their spelling) to the first folder that exists. */
    private static void checkWritableAncestor(Path given, Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            existing = Path.of("").toAbsolutePath(); // a relative path whose first folder is missing: made in the working folder
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(given + ": " + existing + " is a file, not a folder");
        }
        if (!Files.isWritable(existing)) {
            throw new IllegalArgumentException(given + ": cannot write into " + existing + " (permission denied)");
        }
    }

    /** The bundled ViT: 4x4 patches (49 tokens + class token), 4 pre-LN layers, 4 heads of 16, MLP 128. */
    static final VisionTransformer.Architecture BUNDLED_VIT =
            new VisionTransformer.Architecture(4, new TransformerSpec(4, 4, 64, 128, true, 1e-6));

    private static Trainee trainee(MultiLayerNetwork net, ModelCard card) {
        return new Trainee() {
            @Override
            public double fit(INDArray features, INDArray oneHot) {
                net.fit(features, oneHot);
                return net.score();
            }

            @Override
            public INDArray predict(INDArray features) {
                return net.output(features, false).argMax(1);
            }

            @Override
            public void save(Path zip) throws IOException {
                Dl4jModels.save(net, card, zip);
            }
        };
    }

    private static Trainee trainee(VisionTransformer vit) {
        return new Trainee() {
            @Override
            public double fit(INDArray features, INDArray oneHot) {
                return vit.fit(features, oneHot);
            }

            @Override
            public INDArray predict(INDArray features) {
                return vit.logits(features).argMax(1);
            }

            @Override
            public void save(Path zip) throws IOException {
                vit.save(zip);
            }
        };
    }

    private static Examples images(FashionMnist.Split split) {
        return new Examples() {
            @Override
            public int size() {
                return split.size();
            }

            @Override
            public INDArray features(int[] rows) {
                return split.features(rows);
            }

            @Override
            public INDArray oneHot(int[] rows) {
                return split.oneHot(rows);
            }

            @Override
            public int label(int row) {
                return split.labels()[row];
            }

            @Override
            public String noun() {
                return "images";
            }
        };
    }

    private static Examples canvases(ClutteredFashion canvases, int count) {
        return new Examples() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public INDArray features(int[] rows) {
                return canvases.features(rows);
            }

            @Override
            public INDArray oneHot(int[] rows) {
                return canvases.oneHot(rows);
            }

            @Override
            public int label(int row) {
                return canvases.canvas(row).label();
            }

            @Override
            public String noun() {
                return "canvases";
            }
        };
    }

    /** Mean softmax cross-entropy of the ViT on the validation set, the loss it trains on (without the L2 term). */
    private static double validationLoss(VisionTransformer vit, DataSet validation) {
        double sum = 0;
        long n = validation.getFeatures().size(0);
        for (long from = 0; from < n; from += 500) {
            long to = Math.min(n, from + 500);
            INDArray logits = vit.logits(validation.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)));
            INDArray labels = validation.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to));
            INDArray logSoftmax = org.nd4j.linalg.ops.transforms.Transforms.log(
                    org.nd4j.linalg.ops.transforms.Transforms.softmax(logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), true), false);
            sum -= logSoftmax.mul(labels.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).sumNumber().doubleValue();
        }
        return sum / n;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Top-1 accuracy on the given examples, in inference mode, 500 at a time. */
    private static double accuracy(Trainee trainee, Examples examples, int[] rows) {
        int correct = 0;
        for (int from = 0; from < rows.length; from += 500) {
            int[] batch = Arrays.copyOfRange(rows, from, Math.min(rows.length, from + 500));
            INDArray predicted = trainee.predict(examples.features(batch));
            for (int k = 0; k < batch.length; k++) {
                correct += predicted.getInt(k) == examples.label(batch[k]) ? 1 : 0;
            }
        }
        return rows.length == 0 ? Double.NaN : correct / (double) rows.length;
    }

    /** Top-1 accuracy on the images of one class. */
    private static double classAccuracy(Trainee trainee, FashionMnist.Split split, int cls) {
        int[] rows = IntStream.range(0, split.size()).filter(i -> split.labels()[i] == cls).toArray();
        return accuracy(trainee, images(split), rows);
    }

    /** The share of the split predicted as {@code cls}. */
    private static double predictedShare(Trainee trainee, FashionMnist.Split split, int cls) {
        int hits = 0;
        for (int from = 0; from < split.size(); from += 500) {
            int to = Math.min(split.size(), from + 500);
            INDArray predicted = trainee.predict(split.features(from, to));
            for (int i = 0; i < to - from; i++) {
                hits += predicted.getInt(i) == cls ? 1 : 0;
            }
        }
        return hits / (double) split.size();
    }

    /**
     * Progress within an epoch on stderr: a redrawn bar with images/s, the mean loss of the last 20 batches and the ETA
     * on a terminal; on anything else (a log, CI) one plain line about every tenth of the epoch.
     */
    static final class EpochProgress {
        private final PrintWriter err;
        private final boolean terminal;
        private final int epoch;
        private final int epochs;
        private final int total;
        private final int every;
        private final double[] recent = new double[20];
        private final long start = System.nanoTime();
        private int done;
        private int batches;

        EpochProgress(PrintWriter err, boolean terminal, int epoch, int epochs, int total, int batchSize) {
            this.err = err;
            this.terminal = terminal;
            this.epoch = epoch;
            this.epochs = epochs;
            this.total = total;
            int perEpoch = (total + batchSize - 1) / batchSize;
            this.every = Math.max(1, (perEpoch + 9) / 10);
        }

        void batch(int images, double loss) {
            recent[batches % recent.length] = loss;
            batches++;
            done += images;
            boolean last = done >= total;
            if (!terminal && batches % every != 0 && !last) {
                return;
            }
            double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-9);
            double rate = done / seconds;
            double eta = (total - done) / Math.max(rate, 1e-9);
            double meanLoss = 0;
            int n = Math.min(batches, recent.length);
            for (int i = 0; i < n; i++) {
                meanLoss += recent[i];
            }
            meanLoss /= n;
            if (terminal) {
                int width = 30;
                int filled = (int) Math.round(width * (double) done / total);
                err.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  loss %.4f  %.0f img/s  ETA %s ", epoch, epochs, "#".repeat(filled),
                        ".".repeat(width - filled), done, total, meanLoss, rate, clock(eta));
                if (last) {
                    err.println();
                }
            } else {
                err.printf(Locale.ROOT, "epoch %d/%d: %d/%d images, loss %.4f (mean of the last %d batch%s), %.0f img/s, ETA %s%n",
                        epoch, epochs, done, total, meanLoss, n, n == 1 ? "" : "es", rate, clock(eta));
            }
            err.flush();
        }

        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
        }
    }
}
