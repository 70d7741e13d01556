package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.io.OrderedMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-image index ({@code <stem>.<method>.json}), written last: its presence marks the image done, and its
 * settings decide whether a rerun may skip it.
 */
public record ImageIndex(String input, String method, String target, List<Entry> maps, Map<String, Object> settings) {

    /** One map of the image: its class and its sidecar's file name. */
    public record Entry(int classIndex, String className, String sidecar) {
    }

    public Map<String, Object> toJson() {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("input", input);
        index.put("method", method);
        index.put("target", target);
        index.put("maps", maps.stream().map(e -> OrderedMap.of("class", e.classIndex(), "className", e.className(), "sidecar", e.sidecar()))
                .toList());
        index.put("settings", settings);
        return index;
    }
}
