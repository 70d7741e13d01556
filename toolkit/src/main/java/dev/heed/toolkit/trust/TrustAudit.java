package dev.heed.toolkit.trust;

import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;

/**
 * Every trust check for one method on one batch of images, as one report: the sanity checks (cascading and
 * independent randomisation, random logit) and the faithfulness metrics (deletion and insertion AUC, average drop and
 * increase in confidence, Integrated Gradients' completeness where the method reports it).
 */
public final class TrustAudit {

    /**
     * What the audit measured; {@code summary} is ready for JSON (it holds no timings, so that two runs with the same
     * seed give the same summary), the curves are for plots, {@code examples} holds the first images with their
     * trained-model maps (their randomised maps are in each step's {@code examples}).
     */
    public record Report(Map<String, Object> summary, List<Verdicts.Verdict> verdicts, List<Randomisation.Step> cascading,
                         List<Randomisation.Step> independent, double[] fractions, double[] meanDeletion, double[] meanInsertion,
                         List<Example> examples) {
    }

    /** One model input {@code [c][h][w]} and the trained model's map of it. */
    public record Example(float[] image, int channels, Heatmap trained) {
    }

    /** Standard deviation of ROAD's imputation noise, in model-input units ([0, 1] for the bundled models). */
    private static final double ROAD_NOISE = 0.01;

    private TrustAudit() {
    }

    public static Report run(Model network, Dl4jModel model, Function<ModelAdapter, SaliencyMethod> methodFactory,
                             ExplainRequest request, int steps, double baseline, long seed) {
        return run(network, model, model.card(), (copy, name) -> Dl4jModel.of(copy, model.card(), name), methodFactory, request, steps,
                baseline, seed);
    }

    /**
     * The audit with its model passes where {@code model} and {@code adapters} run them (the DL4J twin, or plans on
     * Heed's engine): {@code model} is the trained network, {@code adapters} makes each re-drawn copy's.
     */
    public static Report run(Model network, ModelAdapter model, ModelCard card, Randomisation.Adapters adapters,
                             Function<ModelAdapter, SaliencyMethod> methodFactory, ExplainRequest request, int steps, double baseline,
                             long seed) {
        return run(model, Randomisation.dl4j(network, adapters), card, methodFactory, request, steps, baseline, seed);
    }

    /**
     * The audit of any model: {@code model} runs the trained model's passes, {@code layers} makes the re-drawn copies
     * of the randomisation checks (a DL4J network's layers, or a plan's weighted ops).
     */
    public static Report run(ModelAdapter model, RedrawableModel layers, ModelCard card,
                             Function<ModelAdapter, SaliencyMethod> methodFactory, ExplainRequest request, int steps, double baseline,
                             long seed) {
        SaliencyMethod method = methodFactory.apply(model);
        List<Heatmap> maps = method.explain(new ExplainRequest(request.inputs(), Target.top1(), request.imageSeeds()));
        Faithfulness faithfulness = new Faithfulness(model);
        double[] fractions = null;
        double[] deletion = new double[steps + 1];
        double[] insertion = new double[steps + 1];
        double deletionAuc = 0;
        double insertionAuc = 0;
        double drop = 0;
        int increased = 0;
        List<Double> completeness = new ArrayList<>();
        Road road = new Road(model);
        double[] shares = {0.1, 0.3, 0.5, 0.7, 0.9};
        double morf = 0;
        double lerf = 0;
        // ROAD's noise: one stream per image, drawn from the seed (not seed + image, which overlaps the share offsets).
        long[] roadSeeds = new SplittableRandom(seed).longs(request.inputs().size(0)).toArray();
        List<Example> examples = new ArrayList<>();
        for (Heatmap map : maps) {
            float[] image = TargetPlan.flat(TargetPlan.rowsOf(request.inputs(), new int[] {map.imageIndex()}));
            Faithfulness.Curves curves = faithfulness.deletionInsertion(image, map.values(), map.classIndex(), steps, baseline);
            fractions = curves.fractions();
            for (int k = 0; k <= steps; k++) {
                deletion[k] += curves.deletion()[k] / maps.size();
                insertion[k] += curves.insertion()[k] / maps.size();
            }
            deletionAuc += curves.deletionAuc() / maps.size();
            insertionAuc += curves.insertionAuc() / maps.size();
            Faithfulness.ConfidenceChange change = faithfulness.confidenceChange(image, map.values(), map.classIndex());
            drop += change.drop() / maps.size();
            increased += change.increased() ? 1 : 0;
            Road.Result r = road.measure(image, map.values(), map.classIndex(), shares, ROAD_NOISE, roadSeeds[map.imageIndex()]);
            if (examples.size() < Randomisation.EXAMPLES) {
                examples.add(new Example(image, model.inputShape()[0], map));
            }
            morf += r.morfMean() / maps.size();
            lerf += r.lerfMean() / maps.size();
            Double gap = map.diagnostics().get("relativeCompletenessGap");
            if (gap != null && Double.isFinite(gap)) {
                completeness.add(gap);
            }
        }
        // The top-1 maps above serve as the reference of every sanity check; they are computed once.
        ExplainRequest top1 = new ExplainRequest(request.inputs(), Target.top1(), request.imageSeeds());
        List<Randomisation.Step> cascading = Randomisation.run(layers, card, methodFactory, top1, maps, true, seed);
        List<Randomisation.Step> independent = Randomisation.run(layers, card, methodFactory, top1, maps, false, seed);
        RandomLogit.Result randomLogit = RandomLogit.run(method, request, maps, model.numClasses(), seed);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", method.id());
        summary.put("parameters", String.valueOf(OrderedMap.sorted(method.parameters())));
        summary.put("images", maps.size());
        summary.put("target", "top1");
        summary.put("deletion", OrderedMap.of("auc", deletionAuc, "steps", steps, "baseline", baseline,
                "meaning", "mean AUC of the class probability while the top-ranked pixels are set to the baseline; lower is better"));
        summary.put("insertion", OrderedMap.of("auc", insertionAuc, "steps", steps, "baseline", baseline,
                "meaning", "mean AUC of the class probability while the top-ranked pixels are revealed on a baseline canvas; higher is better"));
        summary.put("road", OrderedMap.of("morfMeanProbability", morf, "lerfMeanProbability", lerf,
                "shares", java.util.Arrays.stream(shares).boxed().toList(), "noise", ROAD_NOISE,
                "meaning", "mean class probability after removing the most (MoRF, lower is better) or least (LeRF, higher is better) relevant pixels, filled by noisy linear imputation"));
        summary.put("averageDropPercent", 100 * drop);
        summary.put("increaseInConfidencePercent", 100.0 * increased / maps.size());
        summary.put("randomisation", OrderedMap.of("cascading", steps(cascading), "independent", steps(independent),
                "meaning", "median similarity to the trained model's maps after re-drawing weights, output layer first; low means the map depends on the model"));
        summary.put("randomLogit", OrderedMap.of("spearmanOfMagnitudes", randomLogit.spearmanOfMagnitudes(), "ssim", randomLogit.ssim(),
                "meaning", "median similarity of the predicted class's map and a random other class's; low means the map depends on the class"));
        Double meanGap = completeness.isEmpty() ? null : completeness.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        if (meanGap != null) {
            summary.put("completeness", OrderedMap.of("meanRelativeGap", meanGap));
        }
        List<Verdicts.Verdict> verdicts = Verdicts.judge(cascading, independent, randomLogit, deletionAuc, insertionAuc, morf, lerf, meanGap);
        summary.put("verdicts", Verdicts.toJson(verdicts));
        return new Report(summary, verdicts, cascading, independent, fractions, deletion, insertion, examples);
    }

    /**
     * The parameters with every map's keys in sorted order: methods report them in {@code Map.of}, whose iteration
     * order changes from one JVM to the next, and the report must not.
     */


    private static List<Map<String, Object>> steps(List<Randomisation.Step> steps) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Randomisation.Step s : steps) {
            out.add(OrderedMap.of("layer", s.layer(), "spearman", s.spearman(), "spearmanOfMagnitudes", s.spearmanOfMagnitudes(), "ssim", s.ssim(), "hog", s.hog()));
        }
        return out;
    }
}
