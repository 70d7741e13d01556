package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictsTest {

    private static List<Randomisation.Step> steps(double... spearmanOfMagnitudes) {
        return java.util.Arrays.stream(spearmanOfMagnitudes)
                .mapToObj(r -> new Randomisation.Step("layer", r, r, 0, 0, List.of())).toList();
    }

    private static Map<String, Verdicts.Outcome> outcomes(List<Verdicts.Verdict> verdicts) {
        Map<String, Verdicts.Outcome> out = new java.util.LinkedHashMap<>();
        verdicts.forEach(v -> out.put(v.check(), v.outcome()));
        return out;
    }

    @Test
    void mapsThatSurviveRandomisationFail() {
        // Integrated Gradients on the bundled model before this check existed: 0.97 -> 0.96 and 0.96 for the random logit.
        List<Verdicts.Verdict> verdicts = Verdicts.judge(steps(0.97, 0.96, 0.96, 0.96), steps(0.97, 0.97, 0.96, 0.97),
                new RandomLogit.Result(0.96, 0.9, 12), 0.306, 0.785, 0.530, 0.613, 0.2);
        assertEquals(Map.of("cascadingRandomisation", Verdicts.Outcome.FAIL, "independentRandomisation", Verdicts.Outcome.FAIL,
                "randomLogit", Verdicts.Outcome.FAIL, "deletionBelowInsertion", Verdicts.Outcome.PASS,
                "roadMorfBelowLerf", Verdicts.Outcome.PASS, "completeness", Verdicts.Outcome.FAIL), outcomes(verdicts));
        assertEquals(0.97, verdicts.get(0).value(), 1e-12, "judged on the most similar step");
    }

    @Test
    void oneStepAboveTheThresholdFailsTheCascade() {
        // Guided backprop: barely changes when the output layer is re-drawn, though it does once every layer is.
        List<Verdicts.Verdict> verdicts = Verdicts.judge(steps(0.80, 0.5, 0.34), steps(-0.2, 0.1, 0.3),
                new RandomLogit.Result(-0.49, 0, 12), 0.6, 0.5, 0.7, 0.6, 0.01);
        assertEquals(Map.of("cascadingRandomisation", Verdicts.Outcome.FAIL, "independentRandomisation", Verdicts.Outcome.PASS,
                "randomLogit", Verdicts.Outcome.PASS, "deletionBelowInsertion", Verdicts.Outcome.FAIL,
                "roadMorfBelowLerf", Verdicts.Outcome.FAIL, "completeness", Verdicts.Outcome.PASS), outcomes(verdicts));
    }

    @Test
    void whatCouldNotBeMeasuredIsNeitherPassNorFail() {
        // Grad-CAM maps that the ReLU zeroed have no rank correlation; the steps that have one still count.
        List<Verdicts.Verdict> verdicts = Verdicts.judge(steps(0.1, Double.NaN), steps(Double.NaN, Double.NaN),
                new RandomLogit.Result(Double.NaN, Double.NaN, 12), 0.6, Double.NaN, 0.7, 0.8, null);
        assertEquals(Map.of("cascadingRandomisation", Verdicts.Outcome.PASS, "independentRandomisation", Verdicts.Outcome.NOT_MEASURED,
                "randomLogit", Verdicts.Outcome.NOT_MEASURED, "deletionBelowInsertion", Verdicts.Outcome.NOT_MEASURED,
                "roadMorfBelowLerf", Verdicts.Outcome.PASS), outcomes(verdicts));
    }
}
