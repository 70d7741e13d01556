package dev.heed.toolkit.attention;

import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import dev.heed.toolkit.model.ModelCard;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A small vision transformer (Dosovitskiy et al.): square patches, a learned class token and position embeddings,
 * pre-LN encoder blocks, a linear head on the class token. Two graphs share one set of weights: the training graph,
 * and an explanation graph built from the trained weights with gated attention (see {@link EncoderGraph}) so that
 * class-specific relevance can be read off it.
 */
public final class VisionTransformer implements VitModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CARD_ENTRY = "heed.json";
    private static final String WEIGHTS = "weights/";

    /** The architecture. {@code patch} must divide the image side. */
    public record Architecture(int patch, TransformerSpec encoder) {
        public int tokensPerSide(ModelCard card) {
            return card.height() / patch;
        }
    }

    /** What one explanation pass returns; arrays are {@code [n][heads][tokens][headDim]} and {@code [n][heads][tokens][tokens]}. */
    public record Capture(INDArray logits, List<INDArray> queries, List<INDArray> keys, List<INDArray> probabilities) { }

    private final ModelCard card;
    private final Architecture architecture;
    private final SameDiff training;
    private final Parameters trainingParameters;
    private SameDiff explaining;
    private List<EncoderGraph.LayerNames> layerNames;

    private VisionTransformer(ModelCard card, Architecture architecture, SameDiff training, Parameters parameters) {
        if (card.height() != card.width() || card.height() % architecture.patch() != 0) {
            throw new IllegalArgumentException("a ViT needs a square input whose side is a multiple of the patch size "
                    + architecture.patch() + ", got " + card.height() + "x" + card.width());
        }
        this.card = card;
        this.architecture = architecture;
        this.training = training;
        this.trainingParameters = parameters;
    }

    /** A freshly initialised model for training. */
    public static VisionTransformer fresh(ModelCard card, Architecture architecture, long seed, double learningRate) {
        SameDiff sd = SameDiff.create();
        Parameters parameters = Parameters.fresh(sd, seed);
        build(sd, parameters, card, architecture, false, null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(learningRate)).l2(1e-4)
                .dataSetFeatureMapping("image").dataSetLabelMapping("label").build());
        return new VisionTransformer(card, architecture, sd, parameters);
    }

    /**
     * The trained weights by the model file's names (live arrays: read them, do not write them), for compilers such
     * as the explanation engine's {@code EncoderPlanCompiler}.
     */
    public Map<String, INDArray> weights() {
        return trainingParameters.values();
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    /**
     * One optimiser step on a mini-batch ({@code [n][c][h][w]} scaled inputs, one-hot labels); returns the batch's
     * loss as SameDiff recorded it (NaN if it recorded none), for progress and training logs.
     */
    public double fit(INDArray images, INDArray oneHotLabels) {
        double[] loss = {Double.NaN};
        training.fit(new DataSet(images, oneHotLabels), new org.nd4j.autodiff.listeners.BaseListener() {
            @Override
            public boolean isActive(org.nd4j.autodiff.listeners.Operation operation) {
                return operation == org.nd4j.autodiff.listeners.Operation.TRAINING;
            }

            @Override
            public void iterationDone(SameDiff sd, org.nd4j.autodiff.listeners.At at, org.nd4j.linalg.dataset.api.MultiDataSet batch,
                                      org.nd4j.autodiff.listeners.Loss batchLoss) {
                loss[0] = batchLoss == null ? Double.NaN : batchLoss.totalLoss();
            }
        });
        explaining = null;
        return loss[0];
    }

    /** Class scores before the softmax, {@code [n][classes]}. */
    public INDArray logits(INDArray images) {
        return training.output(Map.of("image", images), "logits").get("logits").dup();
    }

    /** Logits, and every layer's queries, keys and attention probabilities, in inference mode. */
    @Override
    public Capture capture(INDArray images) {
        SameDiff sd = explanationGraph();
        resetGates(sd, images.size(0));
        List<String> wanted = new ArrayList<>(List.of("logits"));
        for (EncoderGraph.LayerNames l : layerNames) {
            wanted.addAll(List.of(l.query(), l.key(), l.probabilities()));
        }
        Map<String, INDArray> out = sd.output(Map.of("image", images), wanted.toArray(String[]::new));
        List<INDArray> q = new ArrayList<>();
        List<INDArray> k = new ArrayList<>();
        List<INDArray> p = new ArrayList<>();
        for (EncoderGraph.LayerNames l : layerNames) {
            q.add(out.get(l.query()).dup());
            k.add(out.get(l.key()).dup());
            p.add(out.get(l.probabilities()).dup());
        }
        return new Capture(out.get("logits").dup(), q, k, p);
    }

    /**
     * Per layer, {@code dScore/dA * A} for each image's target class score ({@code [n][heads][tokens][tokens]}):
     * the input of Chefer et al.'s gradient-weighted attention.
     */
    @Override
    public List<INDArray> attentionRelevance(INDArray images, int[] targets) {
        SameDiff sd = explanationGraph();
        long n = images.size(0);
        resetGates(sd, n);
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, n, card.classNames().size());
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, targets[i], 1f);
        }
        List<String> gates = layerNames.stream().map(EncoderGraph.LayerNames::gate).toList();
        Map<String, INDArray> grads = sd.calculateGradients(Map.of("image", images, "target", oneHot), gates);
        return gates.stream().map(g -> grads.get(g).dup()).toList();
    }

    /**
     * The summed target scores with one attention gate entry set to {@code value} ({@code index} = image, head, query,
     * key of layer {@code layer}): the finite-difference check of {@link #attentionRelevance}.
     */
    double scoreWithGate(INDArray images, int[] targets, int layer, long[] index, float value) {
        SameDiff sd = explanationGraph();
        resetGates(sd, images.size(0));
        sd.getVariable(layerNames.get(layer).gate()).getArr().putScalar(index, value);
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, images.size(0), card.classNames().size());
        for (int i = 0; i < targets.length; i++) {
            oneHot.putScalar(i, targets[i], 1f);
        }
        return sd.output(Map.of("image", images, "target", oneHot), "score").get("score").getDouble(0);
    }

    private void resetGates(SameDiff sd, long n) {
        int t = tokens();
        for (EncoderGraph.LayerNames l : layerNames) {
            sd.getVariable(l.gate()).setArray(Nd4j.ones(DataType.FLOAT, n, architecture.encoder().heads(), t, t));
        }
    }

    /** Patches plus the class token. */
    @Override
    public int tokens() {
        int side = architecture.tokensPerSide(card);
        return side * side + 1;
    }

    private SameDiff explanationGraph() {
        if (explaining == null) {
            SameDiff sd = SameDiff.create();
            List<EncoderGraph.LayerNames> names = new ArrayList<>();
            SDVariable logits = build(sd, Parameters.frozen(sd, trainingParameters.values()), card, architecture, true, names);
            SDVariable target = sd.placeHolder("target", DataType.FLOAT, -1, card.classNames().size());
            sd.setLossVariables(logits.mul(target).sum("score"));
            explaining = sd;
            layerNames = names;
        }
        return explaining;
    }

    private static SDVariable build(SameDiff sd, Parameters p, ModelCard card, Architecture a, boolean gated,
                                    List<EncoderGraph.LayerNames> layerNamesOut) {
        TransformerSpec spec = a.encoder();
        int c = card.channels();
        int patch = a.patch();
        int side = card.height() / patch;
        int patches = side * side;
        long patchValues = (long) c * patch * patch;
        SDVariable image = sd.placeHolder("image", DataType.FLOAT, -1, c, card.height(), card.width());
        // [n, c, side, patch, side, patch] -> [n, side, side, c, patch, patch]: one row per patch, rows in reading order
        SDVariable rows = sd.reshape(sd.reshape(image, -1, c, side, patch, side, patch).permute(0, 2, 4, 1, 3, 5), -1, patchValues);
        EncoderGraph encoder = new EncoderGraph(sd, p, spec, gated);
        SDVariable embedded = sd.reshape(encoder.dense(rows, "embeddings.patch", patchValues, spec.hidden()), -1, patches, spec.hidden());
        SDVariable cls = p.embedding("embeddings.cls_token", 1, 1, spec.hidden());
        SDVariable clsRow = embedded.get(SDIndex.all(), SDIndex.interval(0, 1), SDIndex.all()).mul(0).add(cls);
        SDVariable tokens = sd.concat(1, clsRow, embedded).add(p.embedding("embeddings.position", 1, patches + 1, spec.hidden()));
        SDVariable hidden = encoder.encode(sd.reshape(tokens, -1, spec.hidden()), EncoderGraph.leadingShape(tokens), null);
        SDVariable normed = sd.reshape(encoder.layerNorm(hidden, "layernorm"), -1, patches + 1, spec.hidden());
        SDVariable classToken = normed.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
        SDVariable logits = sd.identity("logits", encoder.dense(classToken, "classifier", spec.hidden(), card.classNames().size()));
        if (!gated) {
            SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, card.classNames().size());
            sd.loss.softmaxCrossEntropy("loss", label, logits, null);
        }
        if (layerNamesOut != null) {
            layerNamesOut.addAll(encoder.layerNames());
        }
        return logits;
    }

    /** Saves the card, the architecture and the weights into one zip, atomically. */
    public void save(Path zip) throws IOException {
        Path dir = zip.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + zip.getFileName(), ".tmp");
        try {
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(temp))) {
                out.putNextEntry(new ZipEntry(CARD_ENTRY));
                TransformerSpec s = architecture.encoder();
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("channels", card.channels());
                meta.put("height", card.height());
                meta.put("width", card.width());
                meta.put("pixelScale", card.pixelScale());
                meta.put("classNames", card.classNames());
                meta.put("architecture", Map.of("kind", "vit", "patch", architecture.patch(), "layers", s.layers(),
                        "heads", s.heads(), "hidden", s.hidden(), "intermediate", s.intermediate(), "layerNormEps", s.layerNormEps()));
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
                out.closeEntry();
                for (Map.Entry<String, INDArray> w : trainingParameters.values().entrySet()) {
                    out.putNextEntry(new ZipEntry(WEIGHTS + w.getKey()));
                    DataOutputStream data = new DataOutputStream(out);
                    Nd4j.write(w.getValue(), data);
                    data.flush();
                    out.closeEntry();
                }
            }
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            dev.heed.toolkit.io.AtomicFiles.readableByAll(temp);
            Files.move(temp, zip, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Loads a zip written by {@link #save}; anything else is an error naming the file and what is wrong. */
    public static VisionTransformer load(Path zip) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            ZipEntry cardEntry = file.getEntry(CARD_ENTRY);
            if (cardEntry == null) {
                throw new IOException(zip + ": not a Heed ViT model (no heed.json)");
            }
            Map<String, Object> meta;
            try (InputStream in = file.getInputStream(cardEntry)) {
                meta = JSON.readValue(in, new TypeReference<Map<String, Object>>() { });
            }
            if (!(meta.get("architecture") instanceof Map<?, ?> arch) || !"vit".equals(arch.get("kind"))) {
                throw new IOException(zip + ": not a Heed ViT model (heed.json has no vit architecture)");
            }
            @SuppressWarnings("unchecked")
            List<String> classNames = (List<String>) meta.get("classNames");
            ModelCard card = new ModelCard(number(meta, "channels"), number(meta, "height"), number(meta, "width"),
                    ((Number) meta.get("pixelScale")).doubleValue(), classNames);
            Architecture architecture = new Architecture(number(arch, "patch"), new TransformerSpec(number(arch, "layers"),
                    number(arch, "heads"), number(arch, "hidden"), number(arch, "intermediate"), true,
                    ((Number) arch.get("layerNormEps")).doubleValue()));
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (var entries = file.entries(); entries.hasMoreElements(); ) {
                ZipEntry e = entries.nextElement();
                if (e.getName().startsWith(WEIGHTS)) {
                    try (DataInputStream in = new DataInputStream(file.getInputStream(e))) {
                        weights.put(e.getName().substring(WEIGHTS.length()), Nd4j.read(in));
                    }
                }
            }
            SameDiff sd = SameDiff.create();
            Parameters parameters = Parameters.stored(sd, weights);
            build(sd, parameters, card, architecture, false, null);
            return new VisionTransformer(card, architecture, sd, parameters);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(zip + ": not a readable zip file (" + e.getMessage() + ")", e);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new IOException(zip + ": not a usable Heed ViT model (" + e.getMessage() + ")", e);
        }
    }

    private static int number(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).intValue();
    }
}
