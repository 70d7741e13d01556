package dev.heed.toolkit.engine.source;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextEncoder;
import dev.heed.toolkit.engine.adapter.MiniLmPlanModel;
import dev.heed.toolkit.engine.adapter.VitPlanModel;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a transformer's attention passes run on the CPU: Heed's plan on oneDNN by default ({@code heed-onednn}), or the
 * model's own SameDiff graph ({@code samediff-cpu}), which is the reference and the fallback when oneDNN's natives do
 * not load or the plan cannot express the model (one line on the log says which and why). The CUDA executor does not
 * take transformer plans yet, so this is the pass for every backend; the backend runs the maps. Owns what it compiled:
 * close it.
 *
 * @param <M> the passes the attention maths needs: {@link VitModel} or {@link TextEncoder}
 */
public final class TransformerEngine<M> implements AutoCloseable {
    /** The name provenance records for the oneDNN pass. */
    public static final String ONEDNN = "heed-onednn";
    /** The name provenance records for the SameDiff pass. */
    public static final String SAMEDIFF = "samediff-cpu";

    private final M model;
    private final String engine;
    private final AutoCloseable owned;

    private TransformerEngine(M model, String engine, AutoCloseable owned) {
        this.model = model;
        this.engine = engine;
        this.owned = owned;
    }

    /** The ViT's passes on {@code cpuEngine} ({@link ModelOptions#ONEDNN} or {@link ModelOptions#REFERENCE}). */
    public static TransformerEngine<VitModel> vit(VisionTransformer vit, String cpuEngine, Consumer<String> log) {
        return choose(vit, cpuEngine, log, executor -> {
            VitPlanModel plan = VitPlanModel.compile(vit, executor);
            return new TransformerEngine<>(plan, ONEDNN, plan);
        });
    }

    /** MiniLM's passes on {@code cpuEngine}; its plans are compiled per padded length on first use. */
    public static TransformerEngine<TextEncoder> text(MiniLm model, String cpuEngine, Consumer<String> log) {
        return choose(model, cpuEngine, log, executor -> {
            MiniLmPlanModel plan = MiniLmPlanModel.compile(model, executor);
            return new TransformerEngine<>(plan, ONEDNN, plan);
        });
    }

    private static <M> TransformerEngine<M> choose(M reference, String cpuEngine, Consumer<String> log,
                                                   Function<OneDnnExecutor, TransformerEngine<M>> onOneDnn) {
        ModelOptions.checkCpuEngine(cpuEngine);
        TransformerEngine<M> onReference = new TransformerEngine<>(reference, SAMEDIFF, () -> { });
        if (cpuEngine.equals(ModelOptions.REFERENCE)) {
            return onReference;
        }
        String unavailable = OneDnnExecutor.unavailableReason();
        if (unavailable != null) {
            log.accept("model pass: the model's SameDiff graph on the CPU, since " + unavailable);
            return onReference;
        }
        try {
            return onOneDnn.apply(new OneDnnExecutor());
        } catch (UnsupportedLayerException e) {
            log.accept("model pass: the model's SameDiff graph on the CPU, since " + e.getMessage());
            return onReference;
        }
    }

    /** The passes, on the chosen engine. */
    public M model() {
        return model;
    }

    /** For provenance: {@link #ONEDNN} or {@link #SAMEDIFF}. */
    public String engine() {
        return engine;
    }

    @Override
    public void close() {
        try {
            owned.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot release the transformer's compiled plan", e);
        }
    }
}
