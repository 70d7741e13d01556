package dev.heed.toolkit.engine;

import dev.heed.kernels.CudaDevice;
import dev.heed.kernels.EngineKernels;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;

/**
 * Where an explanation's model pass runs, chosen with the map backend by one switch: when the maps run on the CUDA
 * backend, the model pass runs on Heed's CUDA engine too; otherwise on the DL4J inference twin (the CPU reference).
 * The chosen adapter owns what it opened (the compiled plan, the engine's device) and releases it on close.
 */
public final class ModelPassEngine implements AutoCloseable {
    private final ModelAdapter model;
    private final String engine;
    private final CudaDevice device;
    private final CudaPlanExecutor executor;

    private ModelPassEngine(ModelAdapter model, String engine, CudaDevice device, CudaPlanExecutor executor) {
        this.model = model;
        this.engine = engine;
        this.device = device;
        this.executor = executor;
    }

    /**
     * The model pass for a job whose maps run on {@code mapBackend} ({@code cpu} or {@code cuda}), chosen by the user as
     * {@code requested} ({@code cpu}, {@code cuda}, {@code auto}). With {@code cuda} requested, a model the engine
     * cannot run is an {@link UnsupportedLayerException} naming the layer; with {@code auto}, the DL4J twin takes
     * over and {@code log} gets one line saying why.
     */
    public static ModelPassEngine choose(String requested, String mapBackend, Dl4jModel twin, Model network, Consumer<String> log) {
        return choose(requested, mapBackend, "fp32", twin, network, log);
    }

    /**
     * As above, with the engine's multiplications in {@code precision}: {@code fp32} (exact, the default), {@code tf32}
     * (tensor cores, sm_80 and newer; an error below) or {@code auto} (TF32 where the device has it, else FP32).
     */
    public static ModelPassEngine choose(String requested, String mapBackend, String precision, Dl4jModel twin, Model network,
                                         Consumer<String> log) {
        if (!java.util.List.of("fp32", "tf32", "auto").contains(precision)) {
            throw new IllegalArgumentException("unknown precision '" + precision + "'; valid: fp32, tf32, auto");
        }
        if (!mapBackend.equals("cuda")) {
            return new ModelPassEngine(twin, "dl4j-cpu", null, null);
        }
        Plan plan;
        try {
            plan = PlanCompiler.compile(network, twin.inputShape());
        } catch (UnsupportedLayerException e) {
            if (requested.equals("cuda")) {
                throw e;
            }
            log.accept("model pass: DL4J on the CPU, since " + e.getMessage());
            return new ModelPassEngine(twin, "dl4j-cpu", null, null);
        }
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (!probe.available()) {
            if (requested.equals("cuda")) {
                throw new IllegalStateException("no CUDA device for the model pass: " + probe.reason());
            }
            log.accept("model pass: DL4J on the CPU, since " + probe.reason());
            return new ModelPassEngine(twin, "dl4j-cpu", null, null);
        }
        try {
            EngineKernels.Precision chosen = precision.equals("tf32") || precision.equals("auto") && probe.device().capability() >= 80
                    ? EngineKernels.Precision.TF32 : EngineKernels.Precision.FP32;
            CudaPlanExecutor executor = new CudaPlanExecutor(probe.device(), chosen);
            CompiledPlan compiled = executor.compile(plan);
            log.accept("model pass: Heed's CUDA engine on " + probe.device().name() + " (" + plan.ops().size() + " ops, " + chosen + ")");
            return new ModelPassEngine(PlanModel.of(compiled, twin.card(), twin.fingerprint()), "heed-" + executor.name(), probe.device(), executor);
        } catch (RuntimeException e) {
            probe.device().close();
            throw e;
        }
    }

    /**
     * Another network of the same architecture (a trust check's re-drawn copy) on the same engine: compiled to a plan
     * on this engine's device, or the DL4J twin when the model pass runs on DL4J. The caller closes it.
     */
    public ModelAdapter adapterFor(Model network, ModelCard card, String fingerprint) {
        if (device == null) {
            return Dl4jModel.of(network, card, fingerprint);
        }
        Plan plan = PlanCompiler.compile(network, card.shape());
        return PlanModel.of(executor.compile(plan), card, fingerprint);
    }

    /** The adapter the methods use. */
    public ModelAdapter model() {
        return model;
    }

    /** For provenance: {@code heed-cuda}, {@code heed-cuda-tf32} or {@code dl4j-cpu}. */
    public String engine() {
        return engine;
    }

    /** Closes the engine's plan and device; the DL4J twin stays with whoever loaded it. */
    @Override
    public void close() {
        if (device != null) {
            model.close();
            device.close();
        }
    }
}
