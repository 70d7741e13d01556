package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.io.OrderedMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A batch job's {@code summary.<method>.json}: counts, timings and every failure with its one line. */
public record JobSummary(String method, String model, String target, String backend, int batchSize, int inputs, int done, int skipped,
                         int maps, double totalSeconds, double explainSeconds, double renderSeconds, List<Failure> failures) {

    public Map<String, Object> toJson() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("heedVersion", Version.VERSION);
        s.put("method", method);
        s.put("model", model);
        s.put("target", target);
        s.put("backend", backend);
        s.put("batchSize", batchSize);
        s.put("counts", OrderedMap.of("inputs", inputs, "done", done, "skipped", skipped, "failed", failures.size(), "maps", maps));
        s.put("seconds", OrderedMap.of("total", totalSeconds, "explain", explainSeconds, "render", renderSeconds));
        s.put("imagesPerSecond", done / Math.max(totalSeconds, 1e-9));
        s.put("failures", failures.stream().map(f -> OrderedMap.of("file", String.valueOf(f.file()), "error", f.message())).toList());
        return s;
    }
}
