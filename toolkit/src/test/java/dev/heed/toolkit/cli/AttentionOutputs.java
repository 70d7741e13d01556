package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the engine tests of {@code heed attention} read back from two runs' output folders (one on the engine under
 * test, one on the reference): the raw maps, the saliency per token and the model pass in provenance, and the one
 * tolerance they are held to.
 */
final class AttentionOutputs {
    private AttentionOutputs() {
    }

    /**
     * Holds each {@code .npy} named in {@code names} under {@code actual} to its twin under {@code expected}; returns how
     * many were compared.
     */
    static int compareMaps(Path expected, Path actual, List<String> names) throws IOException {
        int compared = 0;
        try (Stream<Path> files = Files.walk(actual)) {
            for (Path file : files.filter(f -> names.contains(f.getFileName().toString())).sorted().toList()) {
                assertClose(file.toString(), Npy.read(expected.resolve(actual.relativize(file))), Npy.read(file));
                compared++;
            }
        }
        return compared;
    }

    /** The similarity saliency per token that an input folder's provenance records. */
    @SuppressWarnings("unchecked")
    static float[] perToken(Path folder) throws IOException {
        Map<String, Object> saliency = (Map<String, Object>) Json.read(folder.resolve("provenance.json")).get("saliency");
        List<Number> values = (List<Number>) saliency.get("perToken");
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    /** {@code model.modelPass} of every provenance.json under {@code output}, in path order. */
    @SuppressWarnings("unchecked")
    static List<Object> modelPasses(Path output) throws IOException {
        List<Object> passes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(output)) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("provenance.json")).sorted().toList()) {
                passes.add(((Map<String, Object>) Json.read(file).get("model")).get("modelPass"));
            }
        }
        return passes;
    }

    /** Within 1e-4 of the reference's largest value, and the reference not all zero. */
    static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double largest = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(largest > 0, what + ": the reference is all zero");
        System.out.printf("engine-vs-reference %s %.2e%n", what, worst / largest);
        assertTrue(worst <= 1e-4 * largest, what + ": differs by " + worst + ", the largest value is " + largest);
    }
}
