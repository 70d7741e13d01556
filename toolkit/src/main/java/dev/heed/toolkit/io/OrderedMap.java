package dev.heed.toolkit.io;

import java.util.LinkedHashMap;
import java.util.Map;

/** Maps for JSON reports that keep their keys in the order given, so reports read top to bottom. */
public final class OrderedMap {
    private OrderedMap() {
    }

    /** {@code of("a", 1, "b", 2)}: keys at even positions, values after them. */
    public static Map<String, Object> of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must pair up, got " + keysAndValues.length + " arguments");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /**
     * A copy of {@code value} with every map in it (nested ones too) sorted by key. Methods report parameters and
     * diagnostics in maps such as {@code Map.of}, whose order changes from one JVM to the next; provenance and resume
     * settings must not.
     */
    public static Object sorted(Object value) {
        if (value instanceof Map<?, ?> map) {
            java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), sorted(v)));
            return sorted;
        }
        return value;
    }
}
