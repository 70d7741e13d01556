package dev.heed.toolkit.pipeline.attention;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Arrays as lists, for JSON: the provenance writes token ids and per-token scores as arrays of numbers. */
final class Lists {
    private Lists() {
    }

    static List<Integer> of(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    static List<Float> of(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
