package dev.heed.toolkit.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/** JSON sidecars: pretty, key order kept, non-finite numbers written as null (JSON has no NaN). */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static void write(Path file, Map<String, Object> content) throws IOException {
        AtomicFiles.write(file, MAPPER.writeValueAsBytes(finite(content)));
    }

    @SuppressWarnings("unchecked")
    private static Object finite(Object value) {
        if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), finite(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Json::finite).toList();
        }
        return value;
    }

    /** The same pretty-printed JSON {@link #write} stores, as text (for embedding in a page). */
    public static String text(Map<String, Object> content) throws IOException {
        return MAPPER.writeValueAsString(finite(content));
    }

    public static Map<String, Object> read(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), Map.class);
    }
}
