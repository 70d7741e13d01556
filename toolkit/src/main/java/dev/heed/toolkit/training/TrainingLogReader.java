package dev.heed.toolkit.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Reads a {@code train.jsonl} written by {@link TrainingRecorder} back into a {@link TrainingHistory}. A last line
 * without its newline is a write in progress (the run is live) and is left for the next read; any other line that
 * does not parse is an error naming the file and line.
 */
public final class TrainingLogReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingLogReader() {
    }

    public static TrainingHistory read(Path file) throws IOException {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        }
        List<String> lines = content.lines().toList();
        boolean lastIsPartial = !content.isEmpty() && !content.endsWith("\n");
        TrainingHistory history = new TrainingHistory();
        int count = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank() || (lastIsPartial && i == lines.size() - 1)) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a JSON object (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
            }
            String type = node.path("type").asText("");
            switch (type) {
                case "iteration" -> history.add(new TrainingHistory.Step(node.path("iteration").asLong(), node.path("epoch").asInt(),
                        number(node.get("loss")), map(node.get("gradientNorm")), map(node.get("updateRatio")),
                        map(node.get("activationMean")), map(node.get("activationStd")), map(node.get("deadFraction"))));
                case "epoch" -> history.add(new TrainingHistory.Epoch(node.path("epoch").asInt(), node.path("iteration").asLong(),
                        number(node.get("validationLoss")), number(node.get("validationAccuracy")), node.path("validationImages").asInt(0)));
                case "alert" -> history.add(new Alert(node.path("iteration").asLong(), kind(node.path("kind").asText(), file, i),
                        node.path("message").asText()));
                case "run" -> { }
                default -> throw new IOException(file + ":" + (i + 1) + ": unknown record type '" + type + "'");
            }
            count++;
        }
        if (count == 0) {
            throw new IOException(file + ": no training records (is it a heed train.jsonl?)");
        }
        return history;
    }

    private static Alert.Kind kind(String id, Path file, int line) throws IOException {
        for (Alert.Kind k : Alert.Kind.values()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        throw new IOException(file + ":" + (line + 1) + ": unknown alert kind '" + id + "'");
    }

    /** Numbers, and non-finite values written as text ("NaN", "Infinity"). */
    private static double number(JsonNode node) {
        if (node == null || node.isNull()) {
            return Double.NaN;
        }
        return node.isNumber() ? node.asDouble() : Double.parseDouble(node.asText());
    }

    private static Map<String, Double> map(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (node != null) {
            node.fields().forEachRemaining(e -> out.put(e.getKey(), number(e.getValue())));
        }
        return out;
    }
}
