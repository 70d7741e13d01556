package dev.heed.toolkit.engine.source;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.RedrawableModel;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where an explanation's model pass runs, chosen with the map backend by one switch: when the maps run on the CUDA
 * backend, the model pass runs on Heed's CUDA engine too; otherwise on the source's CPU model (DL4J's inference twin
 * for a DL4J zip, the plan on the reference executor for an ONNX file). An engine owns what it opened (the compiled
 * plan, the device) and releases it on close; the CPU model stays with the source.
 */
public final class ModelPassEngine implements AutoCloseable {
    private final ModelSource source;
    private final ModelAdapter model;
    private final String engine;
    private final CudaDevice device;
    private final CudaPlanExecutor executor;

    private ModelPassEngine(ModelSource source, ModelAdapter model, String engine, CudaDevice device, CudaPlanExecutor executor) {
        this.source = source;
        this.model = model;
        this.engine = engine;
        this.device = device;
        this.executor = executor;
    }

    /**
     * The model pass for a job whose maps run on {@code mapBackend} ({@code cpu} or {@code cuda}), chosen by the user as
     * {@code requested} ({@code cpu}, {@code cuda}, {@code auto}), with the engine's multiplications in
     * {@code precision}: {@code fp32} (exact), {@code tf32} (tensor cores, sm_80 and newer; an error below) or
     * {@code auto} (TF32 where the device has it). With {@code cuda} requested, a model the engine cannot run is an
     * {@link UnsupportedLayerException} naming the layer; with {@code auto}, the CPU model takes over and {@code log}
     * gets one line saying why.
     */
    public static ModelPassEngine open(ModelSource source, String requested, String mapBackend, String precision, Consumer<String> log) {
        if (!List.of("fp32", "tf32", "auto").contains(precision)) {
            throw new IllegalArgumentException("unknown precision '" + precision + "'; valid: fp32, tf32, auto");
        }
        ModelPassEngine onCpu = new ModelPassEngine(source, source.cpuModel(), source.cpuEngine(), null, null);
        if (!mapBackend.equals("cuda")) {
            return onCpu;
        }
        Plan plan;
        try {
            plan = source.plan();
        } catch (UnsupportedLayerException e) {
            if (requested.equals("cuda")) {
                throw e;
            }
            log.accept("model pass: " + source.cpuEngineTitle() + ", since " + e.getMessage());
            return onCpu;
        }
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (!probe.available()) {
            if (requested.equals("cuda")) {
                throw new IllegalStateException("no CUDA device for the model pass: " + probe.reason());
            }
            log.accept("model pass: " + source.cpuEngineTitle() + ", since " + probe.reason());
            return onCpu;
        }
        try {
            EngineKernels.Precision chosen = precision.equals("tf32") || precision.equals("auto") && probe.device().capability() >= 80
                    ? EngineKernels.Precision.TF32 : EngineKernels.Precision.FP32;
            CudaPlanExecutor executor = new CudaPlanExecutor(probe.device(), chosen);
            CompiledPlan compiled = executor.compile(plan);
            log.accept("model pass: Heed's CUDA engine on " + probe.device().name() + " (" + plan.ops().size() + " ops, " + chosen + ")");
            return new ModelPassEngine(source, PlanModel.of(compiled, source.card(), source.fingerprint()), "heed-" + executor.name(),
                    probe.device(), executor);
        } catch (RuntimeException e) {
            probe.device().close();
            throw e;
        }
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

    /** For provenance: {@code heed-cuda}, {@code heed-cuda-tf32}, {@code dl4j-cpu} or {@code heed-cpu-reference}. */
    public String engine() {
        return engine;
    }

    /** Closes the engine's plan and device; the CPU model stays with the source. */
    @Override
    public void close() {
        if (device != null) {
            model.close();
            device.close();
        }
    }
}
