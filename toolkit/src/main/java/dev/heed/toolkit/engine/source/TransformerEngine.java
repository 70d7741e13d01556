package dev.heed.toolkit.engine.source;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextEncoder;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.MiniLmPlanModel;
import dev.heed.toolkit.engine.adapter.VitPlanModel;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a transformer's attention passes run: with the maps on CUDA, Heed's plan on Heed's CUDA engine
 * ({@code heed-cuda}); on the CPU, Heed's plan on oneDNN by default ({@code heed-onednn}), or the model's own SameDiff
 * graph ({@code samediff-cpu}), which is the reference and the fallback when oneDNN's natives do not load or the plan
 * cannot express the model. Each fallback puts one line on the log saying which and why. Owns what it compiled and
 * the CUDA device it opened: close it.
 *
 * @param <M> the passes the attention maths needs: {@link VitModel} or {@link TextEncoder}
 */
public final class TransformerEngine<M> implements AutoCloseable {
    /** The name provenance records for the CUDA pass. */
    public static final String CUDA = "heed-cuda";
    /** The name provenance records for the oneDNN pass. */
    public static final String ONEDNN = "heed-onednn";
    /** The name provenance records for the SameDiff pass. */
    public static final String SAMEDIFF = "samediff-cpu";
    /** The padded length of the MiniLM plan checked when the engine opens (plans compile per length at first use). */
    private static final int CHECKED_TOKENS = 8;

    private final M model;
    private final String engine;
    private final AutoCloseable owned;

    private TransformerEngine(M model, String engine, AutoCloseable owned) {
        this.model = model;
        this.engine = engine;
        this.owned = owned;
    }

    /** A model compiled on one executor, and what releases it. */
    private record Compiled<M>(M model, AutoCloseable owner) { }

    /** The ViT's passes on the CPU, on {@code cpuEngine} ({@link ModelOptions#ONEDNN} or {@link ModelOptions#REFERENCE}). */
    public static TransformerEngine<VitModel> vit(VisionTransformer vit, String cpuEngine, Consumer<String> log) {
        return vit(vit, "cpu", "cpu", cpuEngine, log);
    }

    /**
     * The ViT's passes beside maps on {@code mapBackend} ({@code cuda} or {@code cpu}, the opened backend's id), the user
     * having asked for {@code requested} (--backend: {@code cpu}, {@code cuda}, {@code auto}, the last two with
     * {@code :N} for device N). With {@code cuda} requested, a plan the CUDA engine refuses is an error
     * ({@link UnsupportedLayerException}); with {@code auto} the passes fall back to the CPU engine.
     */
    public static TransformerEngine<VitModel> vit(VisionTransformer vit, String mapBackend, String requested, String cpuEngine,
                                                  Consumer<String> log) {
        return choose(vit, mapBackend, requested, cpuEngine, log, executor -> {
            VitPlanModel plan = VitPlanModel.compile(vit, executor);
            return new Compiled<>(plan, plan);
        });
    }

    /** MiniLM's passes on the CPU, on {@code cpuEngine}; its plans are compiled per padded length on first use. */
    public static TransformerEngine<TextEncoder> text(MiniLm model, String cpuEngine, Consumer<String> log) {
        return text(model, "cpu", "cpu", cpuEngine, log);
    }

    /** MiniLM's passes beside maps on {@code mapBackend}, as {@link #vit(VisionTransformer, String, String, String, Consumer)}. */
    public static TransformerEngine<TextEncoder> text(MiniLm model, String mapBackend, String requested, String cpuEngine,
                                                      Consumer<String> log) {
        return choose(model, mapBackend, requested, cpuEngine, log, executor -> {
            MiniLmPlanModel plan = MiniLmPlanModel.compile(model, executor);
            if (executor instanceof CudaPlanExecutor) {
                // its plans compile at first use: checking one now makes a refusal fall back here rather than fail mid-job
                CudaPlanExecutor.requireRunnable(plan.planFor(CHECKED_TOKENS));
            }
            return new Compiled<>(plan, plan);
        });
    }

    private static <M> TransformerEngine<M> choose(M reference, String mapBackend, String requested, String cpuEngine, Consumer<String> log,
                                                   Function<PlanExecutor, Compiled<M>> compile) {
        ModelOptions.checkCpuEngine(cpuEngine);
        Backends.Choice choice = Backends.Choice.parse(requested);
        if (!mapBackend.equals("cuda")) {
            return onCpu(reference, cpuEngine, log, compile);
        }
        CudaDevice.Probe probe = CudaDevice.open(choice.device());
        if (!probe.available()) {
            if (choice.name().equals("cuda")) {
                throw new IllegalStateException("no CUDA device for the model pass: " + probe.reason());
            }
            TransformerEngine<M> onCpu = onCpu(reference, cpuEngine, log, compile);
            log.accept("model pass: " + onCpu.title() + ", since " + probe.reason());
            return onCpu;
        }
        CudaDevice device = probe.device();
        Compiled<M> compiled;
        try {
            compiled = compile.apply(new CudaPlanExecutor(device));
        } catch (UnsupportedLayerException e) {
            device.close();
            if (choice.name().equals("cuda")) {
                throw e;
            }
            TransformerEngine<M> onCpu = onCpu(reference, cpuEngine, log, compile);
            log.accept("model pass: " + onCpu.title() + ", since " + e.getMessage());
            return onCpu;
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
        log.accept("model pass: Heed's CUDA engine on " + device.name() + " (FP32)");
        // the plan's buffers go before the device that holds them
        return new TransformerEngine<>(compiled.model(), CUDA, () -> {
            try (device) {
                compiled.owner().close();
            }
        });
    }

    private static <M> TransformerEngine<M> onCpu(M reference, String cpuEngine, Consumer<String> log,
                                                  Function<PlanExecutor, Compiled<M>> compile) {
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
            Compiled<M> compiled = compile.apply(new OneDnnExecutor());
            return new TransformerEngine<>(compiled.model(), ONEDNN, compiled.owner());
        } catch (UnsupportedLayerException e) {
            log.accept("model pass: the model's SameDiff graph on the CPU, since " + e.getMessage());
            return onReference;
        }
    }

    /** Where the passes run, in words, for the log. */
    private String title() {
        return switch (engine) {
            case CUDA -> "Heed's CUDA engine";
            case ONEDNN -> "Heed's plan on oneDNN on the CPU";
            default -> "the model's SameDiff graph on the CPU";
        };
    }

    /** The passes, on the chosen engine. */
    public M model() {
        return model;
    }

    /** For provenance: {@link #CUDA}, {@link #ONEDNN} or {@link #SAMEDIFF}. */
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
