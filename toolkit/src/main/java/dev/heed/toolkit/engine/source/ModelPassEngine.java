package dev.heed.toolkit.engine.source;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.RedrawableModel;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where an explanation's model pass runs, chosen with the map backend by one switch: when the maps run on the CUDA
 * backend, the model pass runs on Heed's CUDA engine too; otherwise on the CPU, where the source's options choose
 * between Heed's plan on oneDNN (the default) and the format's reference (DL4J's inference twin for a DL4J zip, the
 * plain-Java plan executor for an ONNX file). A model that oneDNN cannot run falls back to the reference with one line
 * naming the layer. An engine owns what it opened (the compiled plan, the device) and releases it on close; the
 * reference model stays with the source.
 */
public final class ModelPassEngine implements AutoCloseable {
    private final ModelSource source;
    private final ModelAdapter model;
    private final String engine;
    private final String title;
    private final CudaDevice device;
    private final PlanExecutor executor;

    private ModelPassEngine(ModelSource source, ModelAdapter model, String engine, String title, CudaDevice device,
                            PlanExecutor executor) {
        this.source = source;
        this.model = model;
        this.engine = engine;
        this.title = title;
        this.device = device;
        this.executor = executor;
    }

    /**
     * The model pass for a job whose maps run on {@code mapBackend} ({@code cpu} or {@code cuda}), chosen by the user as
     * {@code requested} ({@code cpu}, {@code cuda}, {@code auto}, the last two with {@code :N} for device N), with the engine's multiplications in
     * {@code precision}: {@code fp32} (exact), {@code tf32} (tensor cores, sm_80 and newer; an error below) or
     * {@code auto} (TF32 where the device has it). With {@code cuda} requested, a model the engine cannot run is an
     * {@link UnsupportedLayerException} naming the layer; with {@code auto}, the CPU takes over and {@code log} gets one
     * line saying why. On the CPU, {@code log} hears only of a fallback from oneDNN to the reference.
     */
    public static ModelPassEngine open(ModelSource source, String requestedBackend, String mapBackend, String precision,
                                       Consumer<String> log) {
        Backends.Choice choice = Backends.Choice.parse(requestedBackend);
        String requested = choice.name();
        if (!List.of("fp32", "tf32", "auto").contains(precision)) {
            throw new IllegalArgumentException("unknown precision '" + precision + "'; valid: fp32, tf32, auto");
        }
        if (!mapBackend.equals("cuda")) {
            return onCpu(source, log);
        }
        Plan plan;
        try {
            plan = source.plan();
        } catch (UnsupportedLayerException e) {
            if (requested.equals("cuda")) {
                throw e;
            }
            log.accept("model pass: " + source.cpuEngineTitle() + ", since " + e.getMessage());
            return onReference(source);
        }
        try {
            // before a device is opened: a plan the engine cannot run is the user's error with cuda, a fallback with auto
            CudaPlanExecutor.requireRunnable(plan);
        } catch (UnsupportedLayerException e) {
            if (requested.equals("cuda")) {
                throw e;
            }
            ModelPassEngine onCpu = onCpu(source, log);
            log.accept("model pass: " + onCpu.title + ", since " + e.getMessage());
            return onCpu;
        }
        CudaDevice.Probe probe = CudaDevice.open(choice.device());
        if (!probe.available()) {
            if (requested.equals("cuda")) {
                throw new IllegalStateException("no CUDA device for the model pass: " + probe.reason());
            }
            ModelPassEngine onCpu = onCpu(source, log);
            log.accept("model pass: " + onCpu.title + ", since " + probe.reason());
            return onCpu;
        }
        try {
            EngineKernels.Precision chosen = precision.equals("tf32") || precision.equals("auto") && probe.device().capability() >= 80
                    ? EngineKernels.Precision.TF32 : EngineKernels.Precision.FP32;
            CudaPlanExecutor executor = new CudaPlanExecutor(probe.device(), chosen);
            CompiledPlan compiled = executor.compile(plan);
            try {
                String title = "Heed's CUDA engine on " + probe.device().name() + " (" + plan.ops().size() + " ops, " + chosen + ")";
                ModelPassEngine engine = new ModelPassEngine(source, PlanModel.of(compiled, source.card(), source.fingerprint()),
                        "heed-" + executor.name(), title, probe.device(), executor);
                log.accept("model pass: " + title);
                return engine;
            } catch (RuntimeException e) {
                compiled.close(); // its buffers first, so that closing the device below reports no leak over this error
                throw e;
            }
        } catch (RuntimeException e) {
            probe.device().close();
            throw e;
        }
    }

    /** The pass on the format's reference, owned by the source. */
    private static ModelPassEngine onReference(ModelSource source) {
        return new ModelPassEngine(source, source.cpuModel(), source.cpuEngine(), source.cpuEngineTitle(), null, null);
    }

    /**
     * The pass on the CPU engine the source's options chose: oneDNN unless the user asked for the reference, or the
     * plan or oneDNN cannot take the model (one line on {@code log} names why).
     */
    private static ModelPassEngine onCpu(ModelSource source, Consumer<String> log) {
        if (!source.options().cpuEngine().equals(ModelOptions.ONEDNN)) {
            return onReference(source);
        }
        String unavailable = OneDnnExecutor.unavailableReason();
        if (unavailable != null) {
            log.accept("model pass: " + source.cpuEngineTitle() + ", since " + unavailable);
            return onReference(source);
        }
        OneDnnExecutor executor = new OneDnnExecutor();
        CompiledPlan compiled;
        try {
            compiled = executor.compile(source.plan());
        } catch (UnsupportedLayerException e) {
            log.accept("model pass: " + source.cpuEngineTitle() + ", since " + e.getMessage());
            return onReference(source);
        }
        return new ModelPassEngine(source, PlanModel.of(compiled, source.card(), source.fingerprint()), "heed-" + executor.name(),
                "Heed's plan on oneDNN on the CPU", null, executor);
    }

    /** The adapter the methods use. */
    public ModelAdapter model() {
        return model;
    }

    /**
     * The model's layers for the randomisation checks, each re-drawn copy run on this engine (compiled on its device,
     * or on the CPU model's engine).
     */
    public RedrawableModel redrawable() {
        return source.redrawable(executor);
    }

    /**
     * For provenance: {@code heed-onednn}, {@code heed-cuda}, {@code heed-cuda-tf32}, {@code dl4j-cpu} or
     * {@code heed-cpu-reference}.
     */
    public String engine() {
        return engine;
    }

    /** The same in words, for messages: {@code Heed's plan on oneDNN on the CPU}. */
    public String title() {
        return title;
    }

    /** Closes the engine's compiled plan and device; the reference model stays with the source. */
    @Override
    public void close() {
        if (executor != null) {
            model.close();
        }
        if (device != null) {
            device.close();
        }
    }
}
