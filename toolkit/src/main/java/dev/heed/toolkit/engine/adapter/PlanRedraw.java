package dev.heed.toolkit.engine.adapter;

import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.WeightRedraw;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;

/**
 * A plan's weighted ops as a {@link RedrawableModel}, for models that exist only as plans (ONNX imports): each copy is
 * the plan with re-drawn weights ({@link WeightRedraw}), compiled on the same executor as the trained one.
 */
public final class PlanRedraw implements RedrawableModel {
    private final Plan plan;
    private final PlanExecutor executor;
    private final ModelCard card;

    public PlanRedraw(Plan plan, PlanExecutor executor, ModelCard card) {
        this.plan = plan;
        this.executor = executor;
        this.card = card;
    }

    /** One layer per op, so that an op keeps its seed whatever ops the importer adds around it. */
    @Override
    public int layerCount() {
        return plan.ops().size();
    }

    @Override
    public String weightedLayer(int k) {
        Op op = plan.ops().get(k);
        return op instanceof Op.Dense || op instanceof Op.Conv2d ? op.layer() : null;
    }

    @Override
    public ModelAdapter redrawn(int[] layers, long[] seeds, String name) {
        return PlanModel.of(executor.compile(WeightRedraw.heNormal(plan, layers, seeds)), card, name);
    }
}
