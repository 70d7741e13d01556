package dev.heed.toolkit.engine.onnx;

import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An ONNX image classifier as a {@link dev.heed.toolkit.model.ModelAdapter}, for the API: the importer's plan on an
 * executor, with a card whose input shape comes from the graph and whose pixel scale and class names the caller gives
 * (ONNX files carry neither). Every saliency method runs on the result.
 */
public final class OnnxModels {
    private OnnxModels() {
    }

    /**
     * Imports {@code file} and compiles it on {@code executor}.
     *
     * @param normalisation per-channel mean and std applied after {@code pixelScale} (for example
     *                      {@link OnnxPlanImporter.Normalisation#IMAGENET} with a pixel scale of 1/255), or null
     * @throws IOException a missing, oversized or corrupt file (one-line message)
     * @throws dev.heed.toolkit.engine.plan.UnsupportedLayerException the first node the plan cannot express
     */
    public static PlanModel load(Path file, OnnxPlanImporter.Normalisation normalisation, double pixelScale,
                                 List<String> classNames, PlanExecutor executor) throws IOException {
        Plan plan = OnnxPlanImporter.read(file, normalisation);
        TensorInfo input = plan.input();
        if (!input.isSpatial()) {
            throw new IOException(file + ": the model's input is " + OnnxPlanImporter.onnxShape(input)
                    + "; Heed explains image classifiers with an [N, C, H, W] input");
        }
        ModelCard card = new ModelCard(input.channels(), input.height(), input.width(), pixelScale, classNames);
        return PlanModel.of(executor.compile(plan), card, Dl4jModels.fingerprint(file));
    }
}
