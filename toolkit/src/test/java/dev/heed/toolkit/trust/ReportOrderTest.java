package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's text must not depend on Map.of's iteration order, which changes from one JVM to the next. */
class ReportOrderTest {
    @Test
    void parametersAreWrittenWithSortedKeysAtEveryDepth() {
        Map<String, Object> parameters = Map.of("steps", 16, "baseline", 0.0, "rule", "midpoint",
                "inner", Map.of("samples", 8, "noiseLevel", 0.15, "inner", "gradient"));
        assertEquals("{baseline=0.0, inner={inner=gradient, noiseLevel=0.15, samples=8}, rule=midpoint, steps=16}",
                String.valueOf(dev.heed.toolkit.io.OrderedMap.sorted(parameters)));
    }
}
