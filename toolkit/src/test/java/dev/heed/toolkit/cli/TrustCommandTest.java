package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesAJsonReportAndAnOfflinePage() throws Exception {
        OverlayCommandTest.Run run = OverlayCommandTest.heed("trust", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradient",
                "--input", TestModels.FASHION_SAMPLES.toString(), "--output", tmp.toString(), "--images", "3", "--steps", "4");
        assertEquals(0, run.exit(), run.err());
        Map<String, Object> report = Json.read(tmp.resolve("trust.gradient.json"));
        Map<?, ?> audit = (Map<?, ?>) report.get("audit");
        assertEquals(3, audit.get("images"));
        double deletion = ((Number) ((Map<?, ?>) audit.get("deletion")).get("auc")).doubleValue();
        assertTrue(deletion >= 0 && deletion <= 1, "an AUC of probabilities over [0, 1]: " + deletion);
        List<?> cascading = (List<?>) ((Map<?, ?>) audit.get("randomisation")).get("cascading");
        assertEquals(List.of("logits", "fc1", "conv2", "conv1"), cascading.stream().map(s -> ((Map<?, ?>) s).get("layer")).toList());
        String html = Files.readString(tmp.resolve("trust.gradient.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(!html.contains("<script") && !html.contains(" src=") && !html.contains("<link"), "nothing to load: works offline");
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int charts = 0;
        while (svg.find()) {
            javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(svg.group().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            charts++;
        }
        assertEquals(2, charts, "randomisation and deletion/insertion charts, each well-formed XML");
    }
}
