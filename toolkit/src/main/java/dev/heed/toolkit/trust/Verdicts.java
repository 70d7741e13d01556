package dev.heed.toolkit.trust;

import dev.heed.toolkit.io.OrderedMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pass or fail for each trust check, with the criterion it was judged by. The papers behind the checks mostly judge
 * by eye or rank methods against each other; where they give no number, the threshold here is Heed's own, chosen to
 * match the paper's reading, and it says so.
 */
public final class Verdicts {

    /** What a check concluded; {@code NOT_MEASURED} when the value is missing or not finite. */
    public enum Outcome {
        PASS("pass"), FAIL("fail"), NOT_MEASURED("not measured");

        private final String id;

        Outcome(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** One check's verdict: the value it was judged on, the criterion in words, and where the criterion comes from. */
    public record Verdict(String check, Outcome outcome, double value, String criterion, String source) {
        Map<String, Object> toJson() {
            return OrderedMap.of("verdict", outcome.id(), "value", value, "criterion", criterion, "source", source);
        }
    }

    /**
     * The largest |median Spearman rank correlation of map magnitudes| a method may keep with its trained-model maps
     * (randomisation) or between two classes' maps (random logit). Adebayo et al. (2018) set no number: they show the
     * randomised maps and their rank correlations and call a method insensitive when its maps stay visibly alike.
     * Heed draws the line at 0.5, halfway between unrelated (0) and identical (1) rankings.
     */
    public static final double SIMILARITY_THRESHOLD = 0.5;

    /**
     * The largest mean relative completeness gap for Integrated Gradients: Sundararajan et al. (2017), describing how
     * to compute it, check that the attributions add up to within 5% of {@code S(x) - S(baseline)}.
     */
    public static final double COMPLETENESS_THRESHOLD = 0.05;

    private static final String ADEBAYO = "Adebayo et al. 2018, Sanity Checks for Saliency Maps (judged visually; 0.5 is Heed's threshold)";

    private Verdicts() {
    }

    /** Every check the audit can judge, in the order of the report. */
    public static List<Verdict> judge(List<Randomisation.Step> cascading, List<Randomisation.Step> independent,
                                      RandomLogit.Result randomLogit, double deletionAuc, double insertionAuc,
                                      double morf, double lerf, Double completenessGap) {
        List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(similarity("cascadingRandomisation", worstSimilarity(cascading),
                "|median Spearman of |map|| < " + SIMILARITY_THRESHOLD + " at every cascading step (output layer first)", ADEBAYO));
        verdicts.add(similarity("independentRandomisation", worstSimilarity(independent),
                "|median Spearman of |map|| < " + SIMILARITY_THRESHOLD + " with each layer re-drawn alone", ADEBAYO));
        verdicts.add(similarity("randomLogit", Math.abs(randomLogit.spearmanOfMagnitudes()),
                "|median Spearman of |map|| < " + SIMILARITY_THRESHOLD + " between the predicted and a random other class",
                "Sixt et al. 2020, When Explanations Lie (no numeric threshold; 0.5 is Heed's, as for randomisation)"));
        verdicts.add(ordered("deletionBelowInsertion", deletionAuc, insertionAuc, String.format(Locale.ROOT,
                        "deletion AUC < insertion AUC (value: deletion - insertion = %.3f)", deletionAuc - insertionAuc),
                "Petsiuk et al. 2018, RISE (deletion should fall fast, insertion rise fast; they rank methods, the ordering is Heed's test)"));
        verdicts.add(ordered("roadMorfBelowLerf", morf, lerf, String.format(Locale.ROOT,
                        "ROAD MoRF mean probability < LeRF mean probability (value: MoRF - LeRF = %.3f)", morf - lerf),
                "Rong et al. 2022, A Consistent and Efficient Evaluation Strategy for Attribution Methods (ROAD)"));
        if (completenessGap != null) {
            double gap = completenessGap;
            verdicts.add(new Verdict("completeness", !Double.isFinite(gap) ? Outcome.NOT_MEASURED
                    : gap < COMPLETENESS_THRESHOLD ? Outcome.PASS : Outcome.FAIL, gap,
                    "mean relative completeness gap < " + COMPLETENESS_THRESHOLD,
                    "Sundararajan et al. 2017, Axiomatic Attribution for Deep Networks (attributions within 5% of the score difference)"));
        }
        return verdicts;
    }

    /** The verdicts as a JSON object keyed by check. */
    public static Map<String, Object> toJson(List<Verdict> verdicts) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Verdict v : verdicts) {
            out.put(v.check(), v.toJson());
        }
        return out;
    }

    /**
     * The largest |median Spearman of magnitudes| over the steps that could be measured; NaN when none could (every
     * randomised map constant, as Grad-CAM's often are once the ReLU zeroes them).
     */
    static double worstSimilarity(List<Randomisation.Step> steps) {
        return steps.stream().mapToDouble(s -> Math.abs(s.spearmanOfMagnitudes())).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    private static Verdict similarity(String check, double value, String criterion, String source) {
        Outcome outcome = !Double.isFinite(value) ? Outcome.NOT_MEASURED : value < SIMILARITY_THRESHOLD ? Outcome.PASS : Outcome.FAIL;
        return new Verdict(check, outcome, value, criterion, source);
    }

    private static Verdict ordered(String check, double shouldBeLower, double shouldBeHigher, String criterion, String source) {
        double difference = shouldBeLower - shouldBeHigher;
        Outcome outcome = !Double.isFinite(difference) ? Outcome.NOT_MEASURED : difference < 0 ? Outcome.PASS : Outcome.FAIL;
        return new Verdict(check, outcome, difference, criterion, source);
    }
}
