package dev.heed.toolkit.engine.source;

import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model file opened for explaining, whatever its format: what a front end needs to know of it (card, fingerprint)
 * and what each engine needs to run it (the CPU reference model, the plan). Front ends hold a source and the
 * {@link ModelAdapter} that {@link ModelPassEngine#open} chose, never a format's own model type. Opened by
 * {@link ModelSources#open}; it owns its CPU model and frees it on close.
 */
public interface ModelSource extends AutoCloseable {

    Path file();

    /** What the command line said about the model: its input settings and where its pass runs on the CPU. */
    ModelOptions options();

    /** {@code dl4j} or {@code onnx}, for provenance. */
    String format();

    ModelCard card();

    /** A short hash of the file, recorded in provenance and resume settings. */
    String fingerprint();

    /**
     * How pixels become the model's input beyond the card's pixel scale, for provenance: for an ONNX model the
     * per-channel normalisation folded into its plan and the preset it came from; empty for a DL4J model.
     */
    Map<String, Object> inputPreparation();

    /** The model pass on the CPU, the reference every engine is checked against. Owned by the source. */
    ModelAdapter cpuModel();

    /** Where {@link #cpuModel()} runs, for provenance: {@code dl4j-cpu} or {@code heed-cpu-reference}. */
    String cpuEngine();

    /** The same in words, for messages: {@code DL4J on the CPU}. */
    String cpuEngineTitle();

    /**
     * The executor-independent plan of the model, for Heed's engines. Throws
     * {@link dev.heed.toolkit.engine.plan.UnsupportedLayerException} naming the first layer the plan cannot express.
     */
    Plan plan();

    /**
     * The model's layers for the randomisation checks, each re-drawn copy run on {@code executor}, or where
     * {@link #cpuModel()} runs when it is null.
     */
    RedrawableModel redrawable(PlanExecutor executor);

    @Override
    void close();
}
