package dev.heed.toolkit.training;

import dev.heed.toolkit.training.tensorboard.EventFileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A DL4J training listener that records, per iteration, the loss, each layer's gradient norm and update-to-parameter
 * ratio ({@code ||delta W|| / ||W||}; DL4J's rule of thumb is about 1e-3) and, every {@code statsEvery} iterations,
 * each layer's activation mean, standard deviation and dead-unit fraction; per epoch the validation loss and
 * accuracy. Everything goes to an append-only JSON-lines file, TensorBoard event files and an in-memory
 * {@link TrainingHistory}, and through {@link Alarms}.
 *
 * <p>Gradients are read in {@code onGradientCalculation}, before the updater turns them into updates; the parameters
 * are copied there and compared in {@code iterationDone}, after the step, so the ratio is the step really taken.
 */
public final class TrainingRecorder extends BaseTrainingListener implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileChannel log;
    private final EventFileWriter events;
    private final TrainingHistory history = new TrainingHistory();
    private final Alarms alarms;
    private final DataSet validation;
    private final int statsEvery;
    private Map<String, Double> gradientNorms = Map.of();
    private Map<String, INDArray> paramsBefore = Map.of();
    private Map<String, double[]> activationStats = Map.of();
    private long lastIteration;
    private int lastEpoch;
    private int epochsEnded;

    /**
     * Records into {@code logDir} ({@code train.jsonl} and a TensorBoard event file). {@code validation} (may be null)
     * is scored at every epoch end.
     */
    public TrainingRecorder(Path logDir, DataSet validation, Alarms.Settings alarmSettings, int statsEvery) throws IOException {
        Files.createDirectories(logDir);
        this.log = FileChannel.open(logDir.resolve("train.jsonl"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        this.events = new EventFileWriter(logDir);
        this.alarms = new Alarms(alarmSettings);
        this.validation = validation;
        this.statsEvery = Math.max(1, statsEvery);
        write(Map.of("type", "run", "heed", dev.heed.toolkit.api.Version.VERSION, "started", System.currentTimeMillis() / 1000.0));
    }

    public TrainingHistory history() {
        return history;
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        if (lastIteration % statsEvery != 0 || !(model instanceof MultiLayerNetwork net)) {
            return;
        }
        Map<String, double[]> stats = new LinkedHashMap<>();
        for (int i = 1; i < activations.size() && i - 1 < net.getnLayers(); i++) {
            stats.put(layerName(net, i - 1), stats(activations.get(i)));
        }
        activationStats = stats;
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (lastIteration % statsEvery != 0 || !(model instanceof ComputationGraph graph)) {
            return;
        }
        Map<String, double[]> stats = new LinkedHashMap<>();
        for (var layer : graph.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            INDArray a = activations.get(name);
            if (a != null) {
                stats.put(name, stats(a));
            }
        }
        activationStats = stats;
    }

    /** Mean, standard deviation, and the fraction of units (columns, or channels of a feature map) zero for the whole batch. */
    private static double[] stats(INDArray activation) {
        double mean = activation.meanNumber().doubleValue();
        double std = activation.stdNumber().doubleValue();
        INDArray peak = activation.rank() == 4 ? Transforms.abs(activation, true).max(0, 2, 3)
                : activation.rank() == 2 ? Transforms.abs(activation, true).max(0) : null;
        double dead = peak == null ? 0 : peak.eq(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
        return new double[] {mean, std, dead};
    }

    @Override
    public void onGradientCalculation(Model model) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, INDArray> gradients = model.gradient().gradientForVariable();
        for (String key : model.paramTable().keySet()) { // network order; the gradient map is in backprop order
            INDArray g = gradients.get(key);
            if (g != null) {
                double n = g.norm2Number().doubleValue();
                sums.merge(layerOfParam(model, key), n * n, Double::sum);
            }
        }
        Map<String, Double> norms = new LinkedHashMap<>();
        sums.forEach((layer, sq) -> norms.put(layer, Math.sqrt(sq)));
        gradientNorms = norms;
        Map<String, INDArray> before = new LinkedHashMap<>();
        model.paramTable().forEach((key, p) -> before.put(key, p.dup()));
        paramsBefore = before;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        lastIteration = iteration + 1L;
        // fit(features, labels) never advances DL4J's epoch count; epochs ended here count as well
        lastEpoch = Math.max(epoch, epochsEnded);
        double loss = model.score();
        Map<String, double[]> updateParts = new LinkedHashMap<>();
        model.paramTable().forEach((key, p) -> {
            INDArray before = paramsBefore.get(key);
            if (before != null) {
                double delta = p.distance2(before);
                double norm = before.norm2Number().doubleValue();
                double[] acc = updateParts.computeIfAbsent(layerOfParam(model, key), k -> new double[2]);
                acc[0] += delta * delta;
                acc[1] += norm * norm;
            }
        });
        Map<String, Double> ratios = new LinkedHashMap<>();
        updateParts.forEach((layer, acc) -> ratios.put(layer, acc[1] == 0 ? Double.NaN : Math.sqrt(acc[0] / acc[1])));
        Map<String, Double> means = new LinkedHashMap<>();
        Map<String, Double> stds = new LinkedHashMap<>();
        Map<String, Double> dead = new LinkedHashMap<>();
        activationStats.forEach((layer, s) -> {
            means.put(layer, s[0]);
            stds.put(layer, s[1]);
            dead.put(layer, s[2]);
        });
        activationStats = Map.of();
        record(new TrainingHistory.Step(iteration, lastEpoch, loss, gradientNorms, ratios, means, stds, dead));
    }

    /**
     * Records one iteration of a model that DL4J does not train (a SameDiff graph such as the ViT), where only the loss
     * is known: it goes to the log, the TensorBoard events and the alarms like a DL4J iteration, without per-layer values.
     */
    public void recordIteration(long iteration, int epoch, double loss) {
        lastIteration = iteration + 1;
        lastEpoch = epoch;
        record(new TrainingHistory.Step(iteration, epoch, loss, Map.of(), Map.of(), Map.of(), Map.of(), Map.of()));
    }

    private void record(TrainingHistory.Step step) {
        long iteration = step.iteration();
        double loss = step.loss();
        history.add(step);
        List<Alert> alerts = alarms.check(iteration, loss, step.gradientNorms(), step.deadFractions());
        double now = System.currentTimeMillis() / 1000.0;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "iteration");
        line.put("iteration", iteration);
        line.put("epoch", step.epoch());
        line.put("time", now);
        line.put("loss", finite(loss));
        line.put("gradientNorm", finiteMap(step.gradientNorms()));
        line.put("updateRatio", finiteMap(step.updateRatios()));
        if (!step.activationMeans().isEmpty()) {
            line.put("activationMean", finiteMap(step.activationMeans()));
            line.put("activationStd", finiteMap(step.activationStds()));
            line.put("deadFraction", finiteMap(step.deadFractions()));
        }
        write(line);
        scalar("loss/train", iteration, now, loss);
        step.gradientNorms().forEach((layer, v) -> scalar("gradient_norm/" + layer, iteration, now, v));
        step.updateRatios().forEach((layer, v) -> scalar("update_ratio/" + layer, iteration, now, v));
        step.activationMeans().forEach((layer, v) -> scalar("activation_mean/" + layer, iteration, now, v));
        step.activationStds().forEach((layer, v) -> scalar("activation_std/" + layer, iteration, now, v));
        step.deadFractions().forEach((layer, v) -> scalar("dead_fraction/" + layer, iteration, now, v));
        for (Alert alert : alerts) {
            history.add(alert);
            write(Map.of("type", "alert", "iteration", alert.iteration(), "kind", alert.kind().id(), "message", alert.message()));
            scalar("alerts/" + alert.kind().id(), iteration, now, 1);
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        double loss = Double.NaN;
        double accuracy = Double.NaN;
        int images = 0;
        if (validation != null && model instanceof MultiLayerNetwork net) {
            loss = net.score(new org.nd4j.linalg.dataset.DataSet(validation.getFeatures(), validation.getLabels()));
            INDArray predicted = net.output(validation.getFeatures(), false).argMax(1);
            INDArray actual = validation.getLabels().argMax(1);
            accuracy = predicted.eq(actual).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
            images = (int) validation.getFeatures().size(0);
        }
        recordEpoch(loss, accuracy, images);
    }

    /**
     * Ends the current epoch with a validation pass measured by the caller (NaN where not measured) on
     * {@code images} examples; for models DL4J does not train.
     */
    public void recordEpoch(double loss, double accuracy, int images) {
        history.add(new TrainingHistory.Epoch(lastEpoch, lastIteration, loss, accuracy, images));
        epochsEnded = lastEpoch + 1;
        double now = System.currentTimeMillis() / 1000.0;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "epoch");
        line.put("epoch", lastEpoch);
        line.put("iteration", lastIteration);
        line.put("validationLoss", finite(loss));
        line.put("validationAccuracy", finite(accuracy));
        line.put("validationImages", images);
        write(line);
        if (!Double.isNaN(loss)) {
            scalar("loss/validation", lastIteration, now, loss);
            scalar("accuracy/validation", lastIteration, now, accuracy);
        }
        try {
            log.force(false);
            events.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush the training log: " + e.getMessage(), e);
        }
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : String.valueOf(v);
    }

    private static Map<String, Object> finiteMap(Map<String, Double> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, finite(v)));
        return out;
    }

    private void scalar(String tag, long step, double now, double value) {
        try {
            events.scalar(tag, step, now, (float) value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard events: " + e.getMessage(), e);
        }
    }

    /** Appends one JSON object and a newline; the line reaches the OS at once so a reader sees whole lines. */
    private void write(Map<String, Object> line) {
        try {
            byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                log.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training log: " + e.getMessage(), e);
        }
    }

    /** DL4J names parameters {@code <layer>_<param>}; a MultiLayerNetwork's layer part is its index. */
    private static String layerOfParam(Model model, String key) {
        String layer = key.substring(0, Math.max(0, key.lastIndexOf('_')));
        if (model instanceof MultiLayerNetwork net && layer.chars().allMatch(Character::isDigit) && !layer.isEmpty()) {
            return layerName(net, Integer.parseInt(layer));
        }
        return layer;
    }

    private static String layerName(MultiLayerNetwork net, int index) {
        String name = net.getLayerWiseConfigurations().getConf(index).getLayer().getLayerName();
        return name != null && !name.isEmpty() ? name : "layer" + index;
    }

    @Override
    public void close() throws IOException {
        try (log; events) {
            log.force(false);
        }
    }
}
