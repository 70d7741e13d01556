package dev.heed.viewer;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.TransformerEngine;
import dev.heed.toolkit.model.Dl4jModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Attention maps of the bundled kind of vision transformer: the class token's attention to the patches for a chosen
 * layer and head (or heads fused), the rollout, and the class-specific relevance, upsampled from the patch grid. The
 * passes run where {@code heed attention}'s do: on Heed's CUDA engine beside CUDA maps, otherwise on Heed's plan on
 * oneDNN, or on SameDiff where oneDNN cannot.
 */
final class VitSource implements MapSource {
    static final List<String> METHODS = List.of("attention", "rollout", "class-specific");
    private final VisionTransformer vit;
    private final TransformerEngine<VitModel> engine;
    private final Backend backend;
    private final ImageFolder folder;
    private final Map<String, VitAttention.Result> results = new HashMap<>();
    private final String description;

    /**
     * {@code requested} is the user's --backend ({@code cpu}, {@code cuda}, {@code auto}): with the maps on CUDA the
     * passes run on Heed's CUDA engine too. {@code log} hears one line when the passes fall back, and why.
     */
    VitSource(Path zip, Path images, Backend backend, String requested, Consumer<String> log) throws IOException {
        this.vit = VisionTransformer.load(zip);
        this.backend = backend;
        this.folder = new ImageFolder(images, vit.card());
        String fingerprint = Dl4jModels.fingerprint(zip); // before the engine, which holds a device until closed
        this.engine = TransformerEngine.vit(vit, backend.id(), requested, ModelOptions.ONEDNN, log);
        this.description = zip.getFileName() + " (" + fingerprint + "), pass on " + engine.engine() + ", maps on " + backend.id();
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
        return METHODS;
    }

    @Override
    public int layers() {
        return vit.architecture().encoder().layers();
    }

    @Override
    public int heads() {
        return vit.architecture().encoder().heads();
    }

    /** Image {@code image} as the model takes it: one channel, scaled by the card, row-major. */
    float[] modelInput(int image) {
        return folder.inputs.get(image);
    }

    private VitAttention.Result result(int image, int target) {
        return results.computeIfAbsent(image + ":" + target, k -> VitAttention.explain(engine.model(), backend,
                Nd4j.create(modelInput(image), new long[] {1, 1, vit.card().height(), vit.card().width()}, 'c'),
                new int[] {target}, VitAttention.Settings.DEFAULTS));
    }

    @Override
    public List<Prediction> predictions(int image) {
        return Prediction.top(result(image, -1).probabilities()[0], vit.card()::className, 5);
    }

    @Override
    public ComputedMap compute(ViewState.MapKey key) {
        long start = System.nanoTime();
        Prediction target = predictions(key.image()).get(Math.min(key.target(), 4));
        VitAttention.Result r = result(key.image(), target.classIndex());
        int side = r.side();
        float[] patches;
        String what;
        switch (METHODS.get(key.method())) {
            case "attention" -> {
                int layer = key.layer() < 0 ? r.layers() - 1 : key.layer();
                if (key.head() < 0) {
                    patches = new float[side * side];
                    for (int h = 0; h < r.heads(); h++) {
                        float[] one = r.classToPatch(0, layer, h);
                        for (int i = 0; i < one.length; i++) {
                            patches[i] += one[i] / r.heads();
                        }
                    }
                    what = "class-token attention, layer " + layer + ", heads " + HeadFusion.MEAN.id();
                } else {
                    patches = r.classToPatch(0, layer, key.head());
                    what = "class-token attention, layer " + layer + " head " + key.head();
                }
            }
            case "rollout" -> {
                patches = r.rollout(0);
                what = "attention rollout";
            }
            default -> {
                patches = r.classSpecific(0);
                what = "class-specific relevance for " + target.name();
            }
        }
        int h = vit.card().height();
        int w = vit.card().width();
        float[] up = backend.upsampleBilinear(new Maps(patches, 1, side, side), h, w).values();
        return new ComputedMap(key, up, w, h, false, what, System.nanoTime() - start);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        engine.close();
    }
}
