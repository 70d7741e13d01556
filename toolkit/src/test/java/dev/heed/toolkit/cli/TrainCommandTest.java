package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.training.TrainingHistory;
import dev.heed.toolkit.training.TrainingLogReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heed train}, {@code heed curves} and {@code heed playground} from the command line. Training reads a tiny
 * Fashion-MNIST-shaped IDX fixture written here (48 training and 24 test images of noise), so the tests need neither
 * Debian's dataset-fashion-mnist nor much time.
 */
class TrainCommandTest {
    @TempDir
    Path tmp;

    private Path data;

    @BeforeEach
    void writeFixture() throws IOException {
        data = Files.createDirectories(tmp.resolve("fashion"));
        writeSplit(data, "train", 48, 1);
        writeSplit(data, "t10k", 24, 2);
    }

    /** IDX files as Fashion-MNIST ships them (uncompressed here; the reader takes both). */
    private static void writeSplit(Path dir, String prefix, int count, long seed) throws IOException {
        Random random = new Random(seed);
        try (DataOutputStream images = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte")));
             DataOutputStream labels = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            images.writeInt(0x803);
            images.writeInt(count);
            images.writeInt(28);
            images.writeInt(28);
            byte[] pixels = new byte[count * 28 * 28];
            random.nextBytes(pixels);
            images.write(pixels);
            labels.writeInt(0x801);
            labels.writeInt(count);
            for (int i = 0; i < count; i++) {
                labels.writeByte(i % 10);
            }
        }
    }

    private static void assertOneLineError(Run run, String path) {
        assertEquals(2, run.exit(), run.err());
        assertEquals(1, run.errLines().size(), "one line: " + run.err());
        assertTrue(run.err().contains(path), "names the user's path " + path + ": " + run.err());
        assertFalse(run.err().contains(".tmp") || run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    }

    @Test
    void zeroEpochsIsRejectedInOneLineAndSavesNothing() {
        Path model = tmp.resolve("m.zip");
        Run run = heed("train", "--data", data.toString(), "--epochs", "0", "--output", model.toString());
        assertEquals(2, run.exit(), run.err());
        assertEquals(List.of("heed train: --epochs: must be at least 1 (got 0); 0 would save an untrained model"), run.errLines());
        assertFalse(Files.exists(model));
    }

    @Test
    void optionsThatCannotWorkAreOneLineEach() {
        for (String[] args : List.of(new String[] {"--model", "vit", "--dataset", "cluttered"}, new String[] {"--model", "rnn"},
                new String[] {"--batch-size", "0"}, new String[] {"--train-size", "0"}, new String[] {"--watermark-class", "10"})) {
            List<String> all = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--output", tmp.resolve("m.zip").toString()));
            all.addAll(List.of(args));
            Run run = heed(all.toArray(String[]::new));
            assertEquals(2, run.exit(), String.join(" ", args) + ": " + run.err());
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(run.err().contains(args[args.length - 2]), "names the option: " + run.err());
        }
        assertFalse(Files.exists(tmp.resolve("m.zip")));
    }

    @Test
    void withoutOutputTheModelGoesIntoTheLogFolderAndTrainSizeSetsTheIterations() throws IOException {
        Path log = tmp.resolve("runs/cnn");
        Run run = heed("train", "--data", data.toString(), "--epochs", "2", "--train-size", "16", "--batch-size", "8",
                "--log", log.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(Files.isRegularFile(log.resolve("model.zip")), run.out());
        assertTrue(run.out().contains("saved " + log.resolve("model.zip")), "says where: " + run.out());
        TrainingHistory history = TrainingLogReader.read(log.resolve("train.jsonl"));
        assertEquals(2 * 2, history.steps().size(), "16 images in batches of 8, twice");
        assertEquals(2, history.epochs().size());
        assertEquals(24, history.epochs().get(1).validationImages(), "the fixture has 24 test images, fewer than 1000");
        // the console labels both accuracies with their image counts
        assertTrue(run.out().contains("test accuracy") && run.out().contains("(24 test images)")
                && run.out().contains("logged validation (first 24)"), run.out());
        assertTrue(run.err().contains("epoch 2/2: 16/16 images, loss "), "progress with the loss on stderr: " + run.err());
    }

    @Test
    void theVisionTransformerHonoursTrainSizeAndLog() throws IOException {
        Path log = tmp.resolve("vit-run");
        Path model = tmp.resolve("vit.zip");
        Run run = heed("train", "--model", "vit", "--data", data.toString(), "--epochs", "1", "--train-size", "10",
                "--batch-size", "4", "--log", log.toString(), "--output", model.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(Files.isRegularFile(model));
        TrainingHistory history = TrainingLogReader.read(log.resolve("train.jsonl"));
        assertEquals(3, history.steps().size(), "10 images in batches of 4: 3 steps, not all 48 images");
        assertTrue(history.steps().stream().allMatch(s -> Double.isFinite(s.loss()) && s.loss() > 0), history.steps().toString());
        assertEquals(1, history.epochs().size());
        TrainingHistory.Epoch epoch = history.epochs().get(0);
        assertEquals(3, epoch.iteration());
        assertTrue(Double.isFinite(epoch.validationLoss()) && epoch.validationAccuracy() >= 0, epoch.toString());
        assertTrue(run.err().contains("10/10 images"), run.err());
    }

    @Test
    void badTrainPathsAreOneLineBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        assertOneLineError(heed("train", "--data", data.toString(), "--output", tmp.toString()), tmp.toString());
        assertOneLineError(heed("train", "--data", data.toString(), "--output", file.resolve("m.zip").toString()), file.toString());
        assertOneLineError(heed("train", "--data", data.toString(), "--log", file.toString()), file.toString());
        Path missing = tmp.resolve("no-data");
        Run noData = heed("train", "--data", missing.toString(), "--output", tmp.resolve("m.zip").toString());
        assertOneLineError(noData, missing.toString());
        assertTrue(noData.err().contains("apt-get install dataset-fashion-mnist"), "offers the command: " + noData.err());
        assertFalse(Files.exists(tmp.resolve("m.zip")));
    }

    @Test
    void badCurvesPathsAreOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        Path missing = tmp.resolve("no-such-run");
        assertOneLineError(heed("curves", "--log", missing.toString(), "--output", tmp.resolve("c.svg").toString()), missing.toString());
        Path log = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(log.resolve("train.jsonl"), "{\"type\":\"iteration\",\"iteration\":0,\"epoch\":0,\"loss\":1.0}\n");
        assertOneLineError(heed("curves", "--log", log.toString(), "--output", file.resolve("c.svg").toString()), file.toString());
        Path folder = Files.createDirectories(tmp.resolve("out.svg"));
        assertOneLineError(heed("curves", "--log", log.toString(), "--output", folder.toString()), folder.toString());
        assertOneLineError(heed("curves", "--log", log.toString(), "--output", tmp.resolve("c.txt").toString()), "c.txt");
        Run ok = heed("curves", "--log", log.toString(), "--output", tmp.resolve("new/c.svg").toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(Files.isRegularFile(tmp.resolve("new/c.svg")));
    }

    @Test
    void badPlaygroundPathsAreOneLineWithoutTemporaryNames() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        assertOneLineError(heed("playground", "--steps", "5", "--frame", tmp.toString()), tmp.toString());
        assertOneLineError(heed("playground", "--steps", "5", "--save-model", file.resolve("net.zip").toString()), file.toString());
        assertOneLineError(heed("playground", "--steps", "5", "--gif", file.resolve("a.gif").toString()), file.toString());
        assertOneLineError(heed("playground", "--steps", "5", "--frames", file.toString()), file.toString());
        Run ok = heed("playground", "--steps", "5", "--every", "5", "--gif", tmp.resolve("new/a.gif").toString(),
                "--frame", tmp.resolve("new2/last.png").toString());
        assertEquals(0, ok.exit(), "missing folders are made: " + ok.err());
        assertTrue(Files.isRegularFile(tmp.resolve("new/a.gif")) && Files.isRegularFile(tmp.resolve("new2/last.png")));
    }
}
