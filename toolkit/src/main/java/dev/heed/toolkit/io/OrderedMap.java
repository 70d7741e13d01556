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
}
