package dev.heed.toolkit.engine.source;

import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.adapter.PlanRedraw;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.onnx.OnnxPlanImporter;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * An ONNX image classifier: imported once into a plan (with its input normalisation folded in as the first op, so maps
 * are taken with respect to pixels, as for a DL4J model), run on the CPU by the reference executor and on the GPU by
 * Heed's CUDA engine. Its card: the input shape from the graph; pixel scale, normalisation and class names from the
 * preset, then a card file {@code NAME.heed.json} beside {@code NAME.onnx}, then the options.
 */
public final class OnnxSource implements ModelSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double PIXELS_TO_UNIT = 1.0 / 255;

    private final Path file;
    private final Plan plan;
    private final ModelCard card;
    private final String fingerprint;
    private final Map<String, Object> preparation;
    private final PlanModel cpuModel;
    private final ModelOptions options;

    private OnnxSource(Path file, Plan plan, ModelCard card, String fingerprint, Map<String, Object> preparation,
                       ModelOptions options) {
        this.file = file;
        this.options = options;
        this.plan = plan;
        this.card = card;
        this.fingerprint = fingerprint;
        this.preparation = preparation;
        this.cpuModel = PlanModel.of(new CpuReferenceExecutor().compile(plan), card, fingerprint);
    }

    /** The card file Heed looks for beside {@code model}: {@code resnet18.onnx} has {@code resnet18.heed.json}. */
    public static Path cardFileOf(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return model.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".heed.json");
    }

    /**
     * Imports {@code file} with the input settings that {@code options} and its card file give.
     *
     * @throws IOException a missing, oversized or corrupt model or card file, or settings that do not fit the graph
     *                     (one line naming the file)
     * @throws dev.heed.toolkit.engine.plan.UnsupportedLayerException the first node the plan cannot express
     */
    public static OnnxSource open(Path file, ModelOptions options) throws IOException {
        Map<String, Object> cardFile = readCardFile(cardFileOf(file));
        String preset = options.preset() != null ? options.preset() : (String) cardFile.getOrDefault("preset", "none");
        if (!preset.equals("imagenet") && !preset.equals("none")) {
            throw new IOException(cardFileOf(file) + ": unknown preset '" + preset + "'; valid: imagenet, none");
        }
        boolean imagenet = preset.equals("imagenet");
        float[] mean = imagenet ? OnnxPlanImporter.Normalisation.IMAGENET.mean() : null;
        float[] std = imagenet ? OnnxPlanImporter.Normalisation.IMAGENET.std() : null;
        double pixelScale = PIXELS_TO_UNIT;
        List<String> names = imagenet ? imagenetClasses() : List.of();
        String namesFrom = imagenet ? "preset imagenet" : "none";
        if (cardFile.containsKey("mean") || cardFile.containsKey("std")) {
            mean = floats(cardFile.get("mean"), cardFileOf(file), "mean");
            std = floats(cardFile.get("std"), cardFileOf(file), "std");
        }
        if (cardFile.containsKey("pixelScale")) {
            pixelScale = ((Number) cardFile.get("pixelScale")).doubleValue();
        }
        if (cardFile.containsKey("classNames")) {
            names = strings(cardFile.get("classNames"), cardFileOf(file));
            namesFrom = cardFileOf(file).toString();
        }
        if (options.mean() != null) {
            mean = options.mean();
            std = options.std();
        }
        if (options.pixelScale() != null) {
            pixelScale = options.pixelScale();
        }
        if (options.labels() != null) {
            names = ModelCard.readLabels(options.labels());
            namesFrom = options.labels().toString();
        }
        OnnxPlanImporter.Normalisation normalisation;
        try {
            normalisation = mean == null ? null : new OnnxPlanImporter.Normalisation(mean, std);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        Plan plan = OnnxPlanImporter.read(file, normalisation);
        TensorInfo input = plan.input();
        if (!input.isSpatial()) {
            throw new IOException(file + ": the model's input is " + OnnxPlanImporter.onnxShape(input)
                    + "; Heed explains image classifiers with an [N, C, H, W] input");
        }
        if (options.inputShape() != null && !Arrays.equals(options.inputShape(), input.shape())) {
            throw new IOException(file + ": the graph fixes its input at " + OnnxPlanImporter.onnxShape(input) + ", not --input-shape "
                    + Arrays.toString(options.inputShape()) + " (Heed does not re-export models)");
        }
        if (mean != null && mean.length != input.channels()) {
            throw new IOException(file + ": the normalisation has " + mean.length + " channels but the model's input has " + input.channels());
        }
        if (!names.isEmpty() && names.size() != plan.numClasses()) {
            throw new IOException(file + ": " + names.size() + " class names (" + namesFrom + ") for a model with " + plan.numClasses()
                    + " classes");
        }
        if (!(pixelScale > 0) || !Double.isFinite(pixelScale)) {
            throw new IOException(file + ": the pixel scale must be positive, got " + pixelScale);
        }
        ModelCard card = new ModelCard(input.channels(), input.height(), input.width(), pixelScale, names);
        Map<String, Object> preparation = new LinkedHashMap<>();
        preparation.put("preset", preset);
        if (!cardFile.isEmpty()) {
            preparation.put("cardFile", cardFileOf(file).toString());
        }
        preparation.put("normalisation", mean == null ? "none" : OrderedMap.of("mean", boxed(mean), "std", boxed(std),
                "where", "folded into the plan as its first op; maps are with respect to pixels x pixelScale"));
        preparation.put("classNames", namesFrom);
        return new OnnxSource(file, plan, card, Dl4jModels.fingerprint(file), preparation, options);
    }

    private static List<Double> boxed(float[] values) {
        List<Double> out = new ArrayList<>();
        for (float v : values) {
            out.add((double) v);
        }
        return out;
    }

    private static Map<String, Object> readCardFile(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Map.of();
        }
        if (Files.size(path) > 1 << 20) {
            throw new IOException(path + ": a card file over 1 MiB; it holds a few settings and class names");
        }
        try {
            return JSON.readValue(path.toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + ": unreadable card file (" + firstLine(e.getMessage()) + ")");
        }
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int newline = m.indexOf('\n');
        return newline < 0 ? m : m.substring(0, newline);
    }

    private static float[] floats(Object value, Path source, String key) throws IOException {
        if (!(value instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(v -> v instanceof Number)) {
            throw new IOException(source + ": '" + key + "' must be a list of numbers, one per channel");
        }
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    private static List<String> strings(Object value, Path source) throws IOException {
        if (!(value instanceof List<?> list) || !list.stream().allMatch(v -> v instanceof String)) {
            throw new IOException(source + ": 'classNames' must be a list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    /** The 1000 ImageNet-1k class names in index order, as torchvision lists them (see make_imagenet_classes.py). */
    public static List<String> imagenetClasses() {
        try (InputStream in = OnnxSource.class.getResourceAsStream("/dev/heed/toolkit/engine/imagenet-classes.txt")) {
            if (in == null) {
                throw new IllegalStateException("imagenet-classes.txt is missing from Heed's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read imagenet-classes.txt from Heed's jar", e);
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public ModelOptions options() {
        return options;
    }

    @Override
    public String format() {
        return "onnx";
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public Map<String, Object> inputPreparation() {
        return preparation;
    }

    @Override
    public ModelAdapter cpuModel() {
        return cpuModel;
    }

    @Override
    public String cpuEngine() {
        return "heed-" + CpuReferenceExecutor.NAME;
    }

    @Override
    public String cpuEngineTitle() {
        return "Heed's plain-Java reference executor on the CPU";
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public RedrawableModel redrawable(PlanExecutor executor) {
        return new PlanRedraw(plan, executor == null ? new CpuReferenceExecutor() : executor, card);
    }

    @Override
    public void close() {
        cpuModel.close();
    }
}
