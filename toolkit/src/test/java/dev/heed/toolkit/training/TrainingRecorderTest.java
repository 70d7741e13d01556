package dev.heed.toolkit.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.diagram.SvgWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Real DL4J training runs on two Gaussian blobs in 10-D: one healthy, one made to explode. */
class TrainingRecorderTest {
    @TempDir
    Path tmp;

    private static DataSet blobs(int n, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[n][10];
        float[][] y = new float[n][2];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            for (int d = 0; d < 10; d++) {
                x[i][d] = (float) (random.nextGaussian() + (label == 0 ? -1 : 1) * (d < 3 ? 1.5 : 0));
            }
            y[i][label] = 1;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    private static MultiLayerNetwork net(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).updater(updater)
                .dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(10).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(16).nOut(2).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    private TrainingHistory train(IUpdater updater, Path dir, int epochs) throws IOException {
        DataSet train = blobs(512, 1);
        DataSet validation = blobs(256, 2);
        MultiLayerNetwork net = net(updater);
        try (TrainingRecorder recorder = new TrainingRecorder(dir, validation, Alarms.Settings.DEFAULTS, 5)) {
            net.setListeners(recorder);
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int from = 0; from < 512; from += 32) {
                    net.fit(new DataSet(train.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 32)),
                            train.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 32))));
                }
                recorder.onEpochEnd(net);
            }
            net.setListeners();
            return recorder.history();
        }
    }

    @Test
    void aHealthyRunIsRecordedInFullAndRaisesNoDivergenceOrExplodingAlarm() throws IOException {
        Path dir = tmp.resolve("healthy");
        TrainingHistory h = train(new Adam(1e-2), dir, 3);
        assertEquals(3 * 16, h.steps().size());
        assertTrue(h.alerts().stream().noneMatch(a -> a.kind() == Alert.Kind.DIVERGENCE || a.kind() == Alert.Kind.EXPLODING_GRADIENTS),
                h.alerts().toString());
        TrainingHistory.Step first = h.steps().get(0);
        assertEquals(List.of("hidden", "out"), List.copyOf(first.gradientNorms().keySet()));
        assertTrue(first.updateRatios().get("hidden") > 0 && first.updateRatios().get("hidden") < 1, first.updateRatios().toString());
        assertTrue(first.activationMeans().containsKey("hidden"), "activation statistics on iteration 0 (every 5th)");
        assertTrue(h.steps().get(1).activationMeans().isEmpty(), "and not on iteration 1");
        assertEquals(3, h.epochs().size());
        assertEquals(List.of(0, 1, 2), h.epochs().stream().map(TrainingHistory.Epoch::epoch).toList());
        assertTrue(h.epochs().get(2).validationAccuracy() > 0.9, "the blobs are separable: " + h.epochs());
        assertTrue(h.steps().get(h.steps().size() - 1).loss() < first.loss());

        TrainingHistory back = TrainingLogReader.read(dir.resolve("train.jsonl"));
        assertEquals(h.steps().size(), back.steps().size());
        assertEquals(h.steps().get(7).loss(), back.steps().get(7).loss(), 1e-12);
        assertEquals(h.steps().get(7).gradientNorms(), back.steps().get(7).gradientNorms());
        assertEquals(h.epochs(), back.epochs());
        try (Stream<Path> files = Files.list(dir)) {
            Path events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).findFirst().orElseThrow();
            assertTrue(Files.size(events) > 1000, "TensorBoard events were written");
        }
    }

    @Test
    void aRunWithAHugeLearningRateIsFlaggedAsDiverging() throws IOException {
        TrainingHistory h = train(new Sgd(200), tmp.resolve("exploding"), 2);
        List<Alert> divergence = h.alerts().stream().filter(a -> a.kind() == Alert.Kind.DIVERGENCE).toList();
        assertFalse(divergence.isEmpty(), "alerts: " + h.alerts());
        assertTrue(divergence.get(0).iteration() < 32, "caught in the first epoch: " + divergence.get(0));
        Scene chart = CurvesChart.scene(h, "exploding");
        long alertLines = chart.shapes().stream().filter(s -> s instanceof Scene.Line l && l.tooltip() != null
                && h.alerts().stream().anyMatch(a -> a.message().equals(l.tooltip()))).count();
        assertEquals(3L * h.alerts().size(), alertLines, "each alert marked in all three panels");
        assertTrue(parses(SvgWriter.svg(chart, "exploding")));
    }

    @Test
    void alarmsFireOnWhatTheyWatchAndRespectTheCooldown() {
        Alarms.Settings s = new Alarms.Settings(5, 1.5, 10, 1e-7, 0.5, 10, 0.01, 50);
        Alarms alarms = new Alarms(s);
        int fired = 0;
        for (int i = 0; i < 30; i++) {
            List<Alert> a = alarms.check(i, 1.0, Map.of("l", 1.0), Map.of("l", 0.1));
            fired += (int) a.stream().filter(x -> x.kind() == Alert.Kind.PLATEAU).count();
        }
        assertEquals(1, fired, "a flat loss is one plateau alert, then quiet for the cooldown");
        Alarms spikes = new Alarms(s);
        for (int i = 0; i < 5; i++) {
            assertTrue(spikes.check(i, 1.0 / (i + 1), Map.of("l", 1.0), Map.of()).isEmpty());
        }
        List<Alert> spike = spikes.check(5, 0.1, Map.of("l", 50.0), Map.of());
        assertEquals(Alert.Kind.EXPLODING_GRADIENTS, spike.get(0).kind(), spike.toString());
        Alarms quiet = new Alarms(s);
        List<Alert> vanishing = List.of();
        for (int i = 0; i < 5; i++) {
            vanishing = quiet.check(i, 1.0 / (i + 1), Map.of("deep", 1e-9, "top", 1.0), Map.of());
        }
        assertTrue(vanishing.stream().anyMatch(a -> a.kind() == Alert.Kind.VANISHING_GRADIENTS && a.message().contains("layer deep")), vanishing.toString());
        List<Alert> dead = new Alarms(s).check(0, 1, Map.of(), Map.of("conv", 0.75));
        assertEquals("dead units: 75% of layer conv's units output zero for the whole batch", dead.get(0).message());
        List<Alert> nan = new Alarms(s).check(3, Double.NaN, Map.of(), Map.of());
        assertEquals(Alert.Kind.DIVERGENCE, nan.get(0).kind());
    }

    @Test
    void theLogReaderSkipsALineInProgressAndNamesABrokenOne() throws IOException {
        Path file = tmp.resolve("train.jsonl");
        Files.writeString(file, "{\"type\":\"run\"}\n{\"type\":\"iteration\",\"iteration\":0,\"epoch\":0,\"loss\":\"NaN\"}\n{\"type\":\"itera");
        TrainingHistory h = TrainingLogReader.read(file);
        assertEquals(1, h.steps().size());
        assertTrue(Double.isNaN(h.steps().get(0).loss()));
        Files.writeString(file, "{\"type\":\"run\"}\nnot json\n{\"type\":\"run\"}\n");
        IOException e = assertThrows(IOException.class, () -> TrainingLogReader.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2: not a JSON object"), e.getMessage());
    }

    private static boolean parses(String svg) {
        try {
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
