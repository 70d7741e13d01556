package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.Heatmap;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The per-map trust block that travels with every exported map, and the thresholds a user can require of it:
 * deletion and insertion AUC and the drop in confidence under the map's mask (Faithfulness), plus Integrated
 * Gradients' relative completeness gap when the method reports one.
 */
public final class MapChecks {

    /** One check a map must pass: higher-is-better keys need a value at least the threshold, the others at most. */
    public record Requirement(Key key, double threshold) {
        /** Parses {@code key=threshold}; unknown keys list the valid ones. */
        public static Requirement parse(String text) {
            String[] parts = text.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("a requirement is key=threshold, got '" + text + "'");
            }
            Key key = Arrays.stream(Key.values()).filter(k -> k.id.equals(parts[0].trim())).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown check '" + parts[0] + "'; valid: "
                            + Arrays.stream(Key.values()).map(k -> k.id).collect(Collectors.joining(", "))));
            try {
                return new Requirement(key, Double.parseDouble(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("threshold of " + key.id + " is not a number: '" + parts[1] + "'");
            }
        }

        /** Null when the value passes; otherwise one phrase saying how it failed. */
        String violation(Double value) {
            if (value == null || !Double.isFinite(value)) {
                return key.id + " could not be measured";
            }
            boolean passes = key.higherIsBetter ? value >= threshold : value <= threshold;
            return passes ? null : String.format(java.util.Locale.ROOT, "%s %.4f %s %s", key.id, value, key.higherIsBetter ? "<" : ">", threshold);
        }
    }

    /** The checks by name, and which way is better. */
    public enum Key {
        DELETION_AUC("deletionAuc", false),
        INSERTION_AUC("insertionAuc", true),
        AVERAGE_DROP("averageDrop", false),
        RELATIVE_COMPLETENESS_GAP("relativeCompletenessGap", false);

        final String id;
        final boolean higherIsBetter;

        Key(String id, boolean higherIsBetter) {
            this.id = id;
            this.higherIsBetter = higherIsBetter;
        }

        public String id() {
            return id;
        }
    }

    private MapChecks() {
    }

    /** The trust block of one map, measured on the model input it explains. */
    public static Map<String, Double> measure(Faithfulness faithfulness, float[] input, Heatmap map, int steps, double baseline) {
        Faithfulness.Curves curves = faithfulness.deletionInsertion(input, map.values(), map.classIndex(), steps, baseline);
        Map<String, Double> values = new LinkedHashMap<>();
        values.put(Key.DELETION_AUC.id, curves.deletionAuc());
        values.put(Key.INSERTION_AUC.id, curves.insertionAuc());
        values.put(Key.AVERAGE_DROP.id, faithfulness.confidenceChange(input, map.values(), map.classIndex()).drop());
        Double gap = map.diagnostics().get(Key.RELATIVE_COMPLETENESS_GAP.id);
        if (gap != null) {
            values.put(Key.RELATIVE_COMPLETENESS_GAP.id, gap);
        }
        return values;
    }

    /** Every failed requirement as a phrase; empty when the map passes them all. */
    public static List<String> violations(Map<String, Double> values, List<Requirement> requirements) {
        return requirements.stream().map(r -> r.violation(values.get(r.key().id))).filter(v -> v != null).toList();
    }
}
