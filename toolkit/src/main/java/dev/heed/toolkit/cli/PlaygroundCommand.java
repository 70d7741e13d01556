package dev.heed.toolkit.cli;

import dev.heed.toolkit.playground.Feature;
import dev.heed.toolkit.playground.Playground;
import dev.heed.toolkit.playground.PlaygroundDataset;
import dev.heed.toolkit.playground.PlaygroundFrame;
import dev.heed.toolkit.playground.PlaygroundRecorder;
import dev.heed.toolkit.playground.PlaygroundSettings;
import dev.heed.toolkit.render.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code heed playground}: the TensorFlow Playground's experiment, headless, seeded, exported as frames or a GIF. */
@Command(name = "playground", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small DL4J network on a 2-D dataset, as in the TensorFlow Playground, and export what it shows: "
                + "every neuron's output over the input plane, the decision boundary with the data, and the train and test "
                + "loss curves. Seeded: the same options give the same frames.",
                "Writes a GIF (--gif), a PNG sequence (--frames), the last frame (--frame) and/or the trained network (--save-model, a DL4J zip for `heed arch --style nodes`)."},
        footer = {"%nExamples:",
                "  heed playground --dataset circle --steps 600 --gif circle.gif --frame c.png",
                "  heed playground --dataset spiral --hidden 8,8 --activation relu --frames sp/",
                "  heed playground --dataset xor --hidden 4 --save-model xor.zip"})
public final class PlaygroundCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", description = "circle | xor | gauss | spiral (default: ${DEFAULT-VALUE})")
    String dataset = "circle";

    @Option(names = "--noise", description = "label noise, 0..50 (%%) (default: ${DEFAULT-VALUE})")
    int noise = 0;

    @Option(names = "--train-ratio", description = "share of the 500 points used for training (default: ${DEFAULT-VALUE})")
    double trainRatio = 0.5;

    @Option(names = "--features", split = ",", description = "x1, x2, x1^2, x2^2, x1x2, sin(x1), sin(x2) (default: x1,x2)")
    List<String> features = List.of("x1", "x2");

    @Option(names = "--hidden", split = ",", description = "neurons per hidden layer, e.g. 4,2 (default: ${DEFAULT-VALUE})")
    List<Integer> hidden = List.of(4, 2);

    @Option(names = "--activation", description = "tanh | relu | sigmoid | linear (default: ${DEFAULT-VALUE})")
    String activation = "tanh";

    @Option(names = "--learning-rate", description = "SGD learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 0.03;

    @Option(names = "--regularization", description = "none | l1 | l2 (default: ${DEFAULT-VALUE})")
    String regularization = "none";

    @Option(names = "--regularization-rate", description = "strength of the L1 or L2 penalty (default: ${DEFAULT-VALUE})")
    double regularizationRate = 0.001;

    @Option(names = "--batch-size", description = "training points per SGD step (default: ${DEFAULT-VALUE})")
    int batchSize = 10;

    @Option(names = "--seed", description = "seed of the data, the split and the initial weights (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--steps", description = "mini-batch steps to train (default: ${DEFAULT-VALUE})")
    int steps = 1000;

    @Option(names = "--every", description = "a frame every this many steps (the speed of the recording) (default: ${DEFAULT-VALUE})")
    int every = 25;

    @Option(names = "--delay", description = "GIF: milliseconds per frame (default: ${DEFAULT-VALUE})")
    int delayMs = 80;

    @Option(names = "--gif", description = "animated GIF to write")
    Path gif;

    @Option(names = "--frames", description = "folder for a PNG sequence (frame-00001.png, ...)")
    Path frames;

    @Option(names = "--frame", description = "PNG of the state after the last step")
    Path frame;

    @Option(names = "--save-model", description = "DL4J zip of the trained network")
    Path saveModel;

    @Override
    public Integer call() throws Exception {
        if (gif == null && frames == null && frame == null && saveModel == null) {
            throw new ParameterException(spec.commandLine(), "nothing to write: give --gif, --frames, --frame and/or --save-model");
        }
        if (steps < 0 || every < 1) {
            throw new ParameterException(spec.commandLine(), "--steps must be >= 0 and --every >= 1");
        }
        PlaygroundSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // every output path is checked before training, with one line naming the user's path (never a temporary file)
        if (gif != null) {
            TrainCommand.checkOutputFile("--gif", gif);
        }
        if (frame != null) {
            TrainCommand.checkOutputFile("--frame", frame);
        }
        if (saveModel != null) {
            TrainCommand.checkOutputFile("--save-model", saveModel);
        }
        if (frames != null) {
            TrainCommand.checkOutputFolder("--frames", frames);
        }
        // tiny networks lose most of their time to ND4J's worker threads; one is as exact and several times faster
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        var out = spec.commandLine().getOut();
        if (gif != null) {
            try {
                Files.createDirectories(gif.toAbsolutePath().getParent());
                PlaygroundRecorder.gif(Playground.create(settings), steps, every, delayMs, gif);
            } catch (IOException e) {
                throw cannotWrite(gif, e);
            }
            out.println("wrote " + gif + " (" + PlaygroundRecorder.frameCount(steps, every) + " frames)");
        }
        if (frames != null) {
            try {
                PlaygroundRecorder.pngSequence(Playground.create(settings), steps, every, frames);
            } catch (IOException e) {
                throw cannotWrite(frames, e);
            }
            out.println("wrote " + PlaygroundRecorder.frameCount(steps, every) + " frames to " + frames);
        }
        Playground playground = Playground.create(settings);
        playground.steps(steps);
        if (frame != null) {
            try {
                Files.createDirectories(frame.toAbsolutePath().getParent());
                Images.writePngAtomically(PlaygroundFrame.render(playground, PlaygroundRecorder.WIDTH, PlaygroundRecorder.HEIGHT), frame);
            } catch (IOException e) {
                throw cannotWrite(frame, e);
            }
            out.println("wrote " + frame);
        }
        if (saveModel != null) {
            Path dir = saveModel.toAbsolutePath().getParent();
            try {
                Files.createDirectories(dir);
                Path temp = Files.createTempFile(dir, "." + saveModel.getFileName(), ".tmp");
                try {
                    ModelSerializer.writeModel(playground.network(), temp.toFile(), false);
                    Files.move(temp, saveModel, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(temp);
                }
            } catch (IOException e) {
                throw cannotWrite(saveModel, e);
            }
            out.println("wrote " + saveModel);
        }
        out.printf(Locale.ROOT, "after %d steps (epoch %d): train loss %.4f, test loss %.4f%n", playground.iteration(),
                playground.epoch(), playground.trainLoss(), playground.testLoss());
        return 0;
    }

    /**
     * A write that failed after the checks (disk full, a folder removed meanwhile), as one line naming the user's path:
     * the exception's own message names the temporary file the atomic write used.
     */
    static IOException cannotWrite(Path target, IOException e) {
        String reason = e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e instanceof java.nio.file.FileSystemException ? e.getClass().getSimpleName().replace("Exception", "")
                : e.getMessage();
        return new IOException(target + ": cannot write (" + reason + ")", e);
    }

    PlaygroundSettings settings() {
        List<Feature> chosen = new ArrayList<>();
        for (String f : features) {
            chosen.add(switch (f.trim().toLowerCase(Locale.ROOT)) {
                case "x1" -> Feature.X1;
                case "x2" -> Feature.X2;
                case "x1^2", "x1sq" -> Feature.X1_SQUARED;
                case "x2^2", "x2sq" -> Feature.X2_SQUARED;
                case "x1x2", "x1*x2" -> Feature.X1_TIMES_X2;
                case "sin(x1)", "sinx1" -> Feature.SIN_X1;
                case "sin(x2)", "sinx2" -> Feature.SIN_X2;
                default -> throw new IllegalArgumentException("unknown feature '" + f + "'; valid: x1, x2, x1^2, x2^2, x1x2, sin(x1), sin(x2)");
            });
        }
        return PlaygroundSettings.defaults()
                .withDataset(PlaygroundDataset.fromId(dataset))
                .withNoisePercent(noise)
                .withTrainRatio(trainRatio)
                .withFeatures(chosen)
                .withHiddenLayers(hidden)
                .withActivation(enumOf(PlaygroundSettings.Activation.class, activation, "--activation"))
                .withLearningRate(learningRate)
                .withRegularization(enumOf(PlaygroundSettings.Regularization.class, regularization, "--regularization"), regularizationRate)
                .withBatchSize(batchSize)
                .withSeed(seed);
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String id, String option) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + option + " '" + id + "'; valid: "
                + String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList()));
    }
}
