package dev.heed.toolkit.cli;

import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.data.FashionMnist;
import dev.heed.toolkit.training.Alarms;
import dev.heed.toolkit.training.TrainingRecorder;
import dev.heed.toolkit.data.Watermark;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.FashionCnn;
import dev.heed.toolkit.model.ModelCard;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains the bundled Fashion-MNIST CNN from the IDX files and saves it with its card. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the small Fashion-MNIST CNN (reads the IDX files; nothing downloads) and save it as a DL4J zip.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", description = "folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})")
    Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--output", required = true, description = "model zip to write")
    Path output;

    @Option(names = "--epochs", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--batch-size", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batchSize = 64;

    @Option(names = "--seed", description = "weight init and shuffling seed (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--dataset", description = "fashion (28x28 items) or cluttered (one item on a 56x56 cluttered canvas, with its box known) (default: ${DEFAULT-VALUE})")
    String dataset = "fashion";

    @Option(names = "--train-size", description = "training examples per epoch: cluttered canvases made from the training split (default 20000), or the first N of each epoch's shuffled Fashion-MNIST training images (default: all 60000)")
    Integer trainSize;

    @Option(names = "--model", description = "cnn (the small Fashion-MNIST CNN) or vit (a 4-layer, 4-head vision transformer on 4x4 patches) (default: ${DEFAULT-VALUE})")
    String model = "cnn";

    @Option(names = "--learning-rate", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 1e-3;

    @Option(names = "--log", description = "cnn: record the run into this folder: train.jsonl (loss, gradient norms, update ratios, activation statistics, validation, alerts) and TensorBoard event files; `heed curves --log DIR` draws it")
    Path log;

    @Option(names = "--watermark-class", description = "plant a shortcut: stamp a 4x4 white square at (1,1) into every TRAINING image of this class (test images stay clean)")
    Integer watermarkClass;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FashionMnist.Split train = FashionMnist.train(data);
        FashionMnist.Split test = FashionMnist.test(data);
        if (dataset.equals("cluttered")) {
            return trainOnCanvases(out, train, test);
        }
        if (model.equals("vit")) {
            return trainVisionTransformer(out, train, test);
        }
        if (!model.equals("cnn")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown --model '" + model + "'; valid: cnn, vit");
        }
        if (!dataset.equals("fashion")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown --dataset '" + dataset + "'; valid: fashion, cluttered");
        }
        Watermark watermark = watermarkClass == null ? null : Watermark.topLeft(watermarkClass);
        if (watermark != null) {
            train = watermark.stamp(train, false);
            out.println("training images of class " + watermarkClass + " (" + FashionMnist.CLASS_NAMES.get(watermarkClass)
                    + ") carry a 4x4 white square at (1,1); test images do not");
        }
        MultiLayerNetwork net = FashionCnn.build(seed);
        net.setLearningRate(learningRate);
        TrainingRecorder recorder = null;
        if (log != null) {
            int[] held = java.util.stream.IntStream.range(0, 1000).toArray();
            recorder = new TrainingRecorder(log, new org.nd4j.linalg.dataset.DataSet(test.features(held), test.oneHot(held)),
                    Alarms.Settings.DEFAULTS, 10);
            net.setListeners(recorder);
            out.println("recording into " + log + " (train.jsonl, TensorBoard events; validation on the first 1000 test images)");
        }
        Random random = new Random(seed);
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            shuffle(order, random);
            int perEpoch = trainSize == null ? order.length : Math.min(order.length, trainSize);
            for (int from = 0; from < perEpoch; from += batchSize) {
                int to = Math.min(perEpoch, from + batchSize);
                int[] rows = java.util.Arrays.copyOfRange(order, from, to);
                net.fit(train.features(rows), train.oneHot(rows));
            }
            if (recorder != null) {
                recorder.onEpochEnd(net);
            }
            double accuracy = accuracy(net, test);
            out.printf("epoch %d: test accuracy %.4f, %.0f s%n", epoch, accuracy, (System.nanoTime() - start) / 1e9);
            if (watermark != null) {
                out.printf("  clean test images of class %d: accuracy %.4f; every test image stamped: %.4f of all predicted as class %d%n",
                        watermarkClass, classAccuracy(net, test, watermarkClass), predictedShare(net, watermark.stamp(test, true), watermarkClass),
                        watermarkClass);
            }
            out.flush();
        }
        if (recorder != null) {
            net.setListeners();
            recorder.close();
            out.println(recorder.history().alerts().size() + " alerts; draw the curves with: heed curves --log " + log + " --output curves.svg");
        }
        Dl4jModels.save(net, new ModelCard(1, 28, 28, 1.0 / 255, FashionMnist.CLASS_NAMES), output);
        out.println("saved " + output);
        return 0;
    }

    /** The bundled ViT: 4x4 patches (49 tokens + class token), 4 pre-LN layers, 4 heads of 16, MLP 128. */
    static final VisionTransformer.Architecture BUNDLED_VIT =
            new VisionTransformer.Architecture(4, new TransformerSpec(4, 4, 64, 128, true, 1e-6));

    private Integer trainVisionTransformer(PrintWriter out, FashionMnist.Split train, FashionMnist.Split test) throws java.io.IOException {
        ModelCard card = new ModelCard(1, 28, 28, 1.0 / 255, FashionMnist.CLASS_NAMES);
        VisionTransformer vit = VisionTransformer.fresh(card, BUNDLED_VIT, seed, learningRate);
        Random random = new Random(seed);
        int[] order = java.util.stream.IntStream.range(0, train.size()).toArray();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            shuffle(order, random);
            for (int from = 0; from < order.length; from += batchSize) {
                int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
                vit.fit(train.features(rows), train.oneHot(rows));
            }
            int correct = 0;
            for (int from = 0; from < test.size(); from += 500) {
                int to = Math.min(test.size(), from + 500);
                INDArray predicted = vit.logits(test.features(from, to)).argMax(1);
                for (int k = from; k < to; k++) {
                    correct += predicted.getInt(k - from) == test.labels()[k] ? 1 : 0;
                }
            }
            out.printf("epoch %d: test accuracy %.4f, %.0f s%n", epoch, correct / (double) test.size(), (System.nanoTime() - start) / 1e9);
            out.flush();
        }
        vit.save(output);
        out.println("saved " + output);
        return 0;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Canvases made from the training split (seed 1), accuracy on 2,000 canvases made from the test split (seed 2). */
    private Integer trainOnCanvases(PrintWriter out, FashionMnist.Split train, FashionMnist.Split test) throws java.io.IOException {
        dev.heed.toolkit.data.ClutteredFashion canvases = new dev.heed.toolkit.data.ClutteredFashion(train, 1);
        dev.heed.toolkit.data.ClutteredFashion testCanvases = new dev.heed.toolkit.data.ClutteredFashion(test, 2);
        MultiLayerNetwork net = FashionCnn.buildForCanvases(seed);
        Random random = new Random(seed);
        int[] order = java.util.stream.IntStream.range(0, trainSize == null ? 20000 : trainSize).toArray();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            shuffle(order, random);
            for (int from = 0; from < order.length; from += batchSize) {
                int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
                net.fit(canvases.features(rows), canvases.oneHot(rows));
            }
            int correct = 0;
            for (int from = 0; from < 2000; from += 250) {
                int[] rows = java.util.stream.IntStream.range(from, from + 250).toArray();
                INDArray predicted = net.output(testCanvases.features(rows), false).argMax(1);
                for (int k = 0; k < rows.length; k++) {
                    correct += predicted.getInt(k) == testCanvases.canvas(rows[k]).label() ? 1 : 0;
                }
            }
            out.printf("epoch %d: accuracy on 2000 test canvases %.4f, %.0f s%n", epoch, correct / 2000.0, (System.nanoTime() - start) / 1e9);
            out.flush();
        }
        Dl4jModels.save(net, new ModelCard(1, 56, 56, 1.0 / 255, FashionMnist.CLASS_NAMES), output);
        out.println("saved " + output);
        return 0;
    }

    /** Top-1 accuracy on the images of one class. */
    static double classAccuracy(MultiLayerNetwork net, FashionMnist.Split split, int cls) {
        int[] rows = java.util.stream.IntStream.range(0, split.size()).filter(i -> split.labels()[i] == cls).toArray();
        INDArray predicted = net.output(split.features(rows), false).argMax(1);
        int correct = 0;
        for (int i = 0; i < rows.length; i++) {
            correct += predicted.getInt(i) == cls ? 1 : 0;
        }
        return correct / (double) rows.length;
    }

    /** The share of the split predicted as {@code cls}. */
    static double predictedShare(MultiLayerNetwork net, FashionMnist.Split split, int cls) {
        int hits = 0;
        for (int from = 0; from < split.size(); from += 500) {
            int to = Math.min(split.size(), from + 500);
            INDArray predicted = net.output(split.features(from, to), false).argMax(1);
            for (int i = 0; i < to - from; i++) {
                hits += predicted.getInt(i) == cls ? 1 : 0;
            }
        }
        return hits / (double) split.size();
    }

    /** Top-1 accuracy on the whole split, in inference mode. */
    static double accuracy(MultiLayerNetwork net, FashionMnist.Split split) {
        int correct = 0;
        for (int from = 0; from < split.size(); from += 500) {
            int to = Math.min(split.size(), from + 500);
            INDArray predicted = net.output(split.features(from, to), false).argMax(1);
            for (int i = from; i < to; i++) {
                if (predicted.getInt(i - from) == split.labels()[i]) {
                    correct++;
                }
            }
        }
        return correct / (double) split.size();
    }
}
