package dev.heed.toolkit.engine.onednn;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;

/**
 * Runs plans on the CPU through oneDNN 2.5: every op of the plan maps to oneDNN primitives, forward and
 * backward-data, with no weight gradients. {@link #compile} reorders the weights once and builds the batch-1
 * primitives, so that a plan oneDNN cannot run is refused there, with an
 * {@link dev.heed.toolkit.engine.plan.UnsupportedLayerException} naming the op, and a caller can fall back.
 */
public final class OneDnnExecutor implements PlanExecutor {
    public static final String NAME = "onednn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompiledPlan compile(Plan plan) {
        return new OneDnnCompiledPlan(plan);
    }

    /**
     * Whether oneDNN's natives load on this machine: null when they do, otherwise the reason, for a probe that never
     * throws.
     */
    public static String unavailableReason() {
        try (OneDnnContext context = new OneDnnContext()) {
            return null;
        } catch (OneDnnException | LinkageError e) {
            return "oneDNN natives did not load: " + e.getMessage();
        }
    }
}
