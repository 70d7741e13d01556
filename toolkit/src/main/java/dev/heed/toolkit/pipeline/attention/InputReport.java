package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.io.OrderedMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * summary.attention.json: every input's outcome (done, skipped because done earlier with the same settings, or failed
 * with its one line), in the order they were decided.
 */
public final class InputReport {
    private final List<Map<String, Object>> inputs = new ArrayList<>();
    private int failed;

    public void done(AttentionInput input) {
        record(input, "ok", null);
    }

    public void skipped(AttentionInput input) {
        record(input, "skipped", "done earlier with the same settings");
    }

    public void failed(String name, String source, String message) {
        failed++;
        inputs.add(OrderedMap.of("name", name, "input", source, "status", "failed", "error", message));
    }

    public int size() {
        return inputs.size();
    }

    public int failed() {
        return failed;
    }

    public Map<String, Object> toJson(String model) {
        return OrderedMap.of("heed", Version.VERSION, "model", model, "inputs", inputs, "failed", failed);
    }

    private void record(AttentionInput input, String status, String note) {
        // the input's own list: warnings added while it is written still reach the summary
        inputs.add(OrderedMap.of("name", input.name(), "input", input.source(), "status", status, "note", note, "warnings", input.warnings()));
    }
}
