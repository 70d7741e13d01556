package dev.heed.toolkit.engine;

import dev.heed.toolkit.engine.plan.Plan;

/**
 * Something that runs plans: the plain-Java reference ({@code engine.cpu}), and later CUDA (issue 12) and oneDNN
 * (issue 13). An executor holds no per-model state; {@link #compile} returns the handle that does.
 */
public interface PlanExecutor {

    /** A short name for provenance and messages, such as {@code cpu-reference}. */
    String name();

    /**
     * Prepares {@code plan} to run: copies or uploads its weights once, chooses kernels or primitives. The caller closes
     * the result, which frees all of it. The plan itself is not modified and may be compiled again.
     */
    CompiledPlan compile(Plan plan);
}
