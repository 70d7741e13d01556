package dev.heed.viewer;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.engine.source.ModelSources;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelAdapter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Saliency maps of an image classifier (a DL4J zip or an ONNX export): every method of the toolkit's catalogue, through its Backend, with the model
 * pass where the backend is (Heed's CUDA engine with the CUDA backend, the DL4J twin otherwise).
 */
final class CnnSource implements MapSource {
    private static final int TOP = 5;
    private final ModelSource source;
    private final ModelPassEngine engine;
    private final ModelAdapter model;
    private final Backend backend;
    private final ImageFolder folder;
    private final List<MethodCatalogue> catalogue = MethodCatalogue.all();
    private final Map<MethodCatalogue, SaliencyMethod> methods = new HashMap<>();
    private final Map<Integer, List<Prediction>> predictions = new HashMap<>();
    private final String description;

    /** {@code requested} is the user's --backend ({@code cpu}, {@code cuda}, {@code auto}); {@code log} gets the engine's choice. */
    CnnSource(Path file, ModelOptions options, Path images, Backend backend, String requested, Consumer<String> log) throws IOException {
        this.source = ModelSources.open(file, options);
        try {
            this.engine = ModelPassEngine.open(source, requested, backend.id(), "fp32", log);
        } catch (RuntimeException e) {
            source.close();
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        this.model = engine.model();
        this.backend = backend;
        this.folder = new ImageFolder(images, source.card());
        this.description = file.getFileName() + " (" + source.fingerprint() + ") on " + backend.id() + ", model pass " + engine.engine();
    }

    @Override
    public List<DisplayImage> images() {
        return folder.images;
    }

    @Override
    public List<String> skipped() {
        return folder.skipped;
    }

    @Override
    public List<String> methods() {
        return catalogue.stream().map(MethodCatalogue::id).toList();
    }

    @Override
    public int layers() {
        return 0;
    }

    @Override
    public int heads() {
        return 0;
    }

    @Override
    public List<Prediction> predictions(int image) {
        return predictions.computeIfAbsent(image, i -> {
            INDArray p = Transforms.softmax(model.logits(input(i)), true);
            return Prediction.top(p.getRow(0).toFloatVector(), source.card()::className, TOP);
        });
    }

    private INDArray input(int image) {
        int[] shape = model.inputShape();
        return Nd4j.create(folder.inputs.get(image), new long[] {1, shape[0], shape[1], shape[2]}, 'c');
    }

    @Override
    public ComputedMap compute(ViewState.MapKey key) {
        long start = System.nanoTime();
        MethodCatalogue m = catalogue.get(key.method());
        SaliencyMethod method = methods.computeIfAbsent(m, id -> id.create(model, backend,
                MethodCatalogue.Settings.DEFAULTS));
        Prediction target = predictions(key.image()).get(Math.min(key.target(), TOP - 1));
        Heatmap map = method.explain(ExplainRequest.of(input(key.image()), new Target.ClassIndex(target.classIndex()), 0)).get(0);
        return new ComputedMap(key, map.values(), map.width(), map.height(), map.signed(),
                m.id() + " for " + target.name(), System.nanoTime() - start);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        engine.close();
        source.close();
    }
}
