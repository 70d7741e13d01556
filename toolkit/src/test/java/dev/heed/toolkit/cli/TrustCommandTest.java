package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.io.Json;
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

    /**
     * The same command with the same seed gives the same report apart from its timing, whatever else in the process
     * has drawn from or reseeded ND4J's global generator in between. The same two runs show that --input takes files
     * and folders, comma-separated, that the report carries a verdict for each check, and that the page is offline,
     * labels its axes and shows example maps.
     */
    @Test
    void theSameSeedGivesTheSameReport() throws Exception {
        Path pullover = TestModels.FASHION_SAMPLES.resolve("0001-pullover.png");
        String[] args = {"trust", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradient",
                "--input", pullover + "," + TestModels.FASHION_SAMPLES, "--images", "2", "--steps", "2", "--seed", "5"};
        Map<String, Object> first = runAndRead(args, tmp.resolve("first"), "trust.gradient.json");
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(System.nanoTime());
        org.nd4j.linalg.factory.Nd4j.randn(100, 100);
        Map<String, Object> second = runAndRead(args, tmp.resolve("second"), "trust.gradient.json");
        assertTrue(first.remove("seconds") != null && second.remove("seconds") != null, "timing is the only field left out");
        assertEquals(first, second);

        assertEquals(List.of("0001-pullover.png", "0000-ankle-boot.png"), first.get("inputs"), "the file, then the folder's first image");
        Map<?, ?> audit = (Map<?, ?>) first.get("audit");
        assertEquals(2, audit.get("images"));
        double deletion = ((Number) ((Map<?, ?>) audit.get("deletion")).get("auc")).doubleValue();
        assertTrue(deletion >= 0 && deletion <= 1, "an AUC of probabilities over [0, 1]: " + deletion);
        List<?> cascading = (List<?>) ((Map<?, ?>) audit.get("randomisation")).get("cascading");
        assertEquals(List.of("logits", "fc1", "conv2", "conv1"), cascading.stream().map(s -> ((Map<?, ?>) s).get("layer")).toList());
        Map<?, ?> verdicts = (Map<?, ?>) audit.get("verdicts");
        assertEquals(List.of("cascadingRandomisation", "independentRandomisation", "randomLogit", "deletionBelowInsertion", "roadMorfBelowLerf"),
                List.copyOf(verdicts.keySet()));
        for (Object v : verdicts.values()) {
            Map<?, ?> verdict = (Map<?, ?>) v;
            assertTrue(List.of("pass", "fail", "not measured").contains(verdict.get("verdict")), verdict.toString());
            assertTrue(verdict.get("criterion") != null && verdict.get("source") != null, verdict.toString());
        }

        String html = Files.readString(tmp.resolve("first").resolve("trust.gradient.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(!html.contains("<script") && !html.contains("<link") && !Pattern.compile("src=\"(?!data:)").matcher(html).find(),
                "nothing to load: works offline");
        Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int charts = 0;
        while (svg.find()) {
            javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(svg.group().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            charts++;
        }
        assertEquals(2, charts, "randomisation and deletion/insertion charts, each well-formed XML");
        assertTrue(html.contains("median similarity to the trained map") && html.contains("mean class probability"),
                "each chart names what its y axis plots");
        assertTrue(html.contains("re-drawn layer") && html.contains("fraction of pixels deleted or inserted"), "and its x axis");
        // The input, the trained map and one map per cascading step, for two images, embedded.
        int pngs = html.split("src=\"data:image/png;base64,", -1).length - 1;
        assertEquals(2 * (2 + cascading.size()), pngs, "example maps as embedded PNGs");
        assertTrue(html.contains("class=\"pass\"") || html.contains("class=\"fail\""), "the verdicts are on the page");
    }

    private Map<String, Object> runAndRead(String[] args, Path output, String report) throws Exception {
        String[] withOutput = java.util.Arrays.copyOf(args, args.length + 2);
        withOutput[args.length] = "--output";
        withOutput[args.length + 1] = output.toString();
        OverlayCommandTest.Run run = OverlayCommandTest.heed(withOutput);
        assertEquals(0, run.exit(), run.err());
        return Json.read(output.resolve(report));
    }

    /** A bad path of any kind ends the command at once, before the model runs, with one line naming it. */
    @Test
    void badPathsExitTwoAtOnceWithOneLineNamingThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "not a folder");
        String model = TestModels.BUNDLED_MODEL.toString();
        String samples = TestModels.FASHION_SAMPLES.toString();
        String missing = tmp.resolve("missing.png").toString();
        Path emptyFolder = Files.createDirectories(tmp.resolve("empty"));
        List<List<String>> cases = List.of(
                List.of("--model", model, "--input", samples, "--output", file.toString()),
                List.of("--model", model, "--input", samples, "--output", file.resolve("below").toString()),
                List.of("--model", model, "--input", samples + "," + missing, "--output", tmp.resolve("out").toString()),
                List.of("--model", model, "--input", emptyFolder.toString(), "--output", tmp.resolve("out").toString()),
                List.of("--model", tmp.resolve("nomodel.zip").toString(), "--input", samples, "--output", tmp.resolve("out").toString()),
                List.of("--model", file.toString(), "--input", samples, "--output", tmp.resolve("out").toString()));
        List<String> named = List.of(file.toString(), file.resolve("below").toString(), missing, emptyFolder.toString(),
                tmp.resolve("nomodel.zip").toString(), file.toString());
        for (int i = 0; i < cases.size(); i++) {
            List<String> args = new java.util.ArrayList<>(List.of("trust", "--method", "gradcam"));
            args.addAll(cases.get(i));
            long start = System.nanoTime();
            OverlayCommandTest.Run run = OverlayCommandTest.heed(args.toArray(String[]::new));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(2, run.exit(), args + ": " + run.err());
            assertEquals(1, run.errLines().size(), "one line: " + run.err());
            String line = run.errLines().get(0);
            assertTrue(line.startsWith("heed trust: " + named.get(i) + ": ") && line.length() > ("heed trust: " + named.get(i) + ": ").length(),
                    "names the path and the problem: " + line);
            assertTrue(!line.contains("Exception") || line.contains("("), "no bare exception name: " + line);
            assertTrue(seconds < 10, "checked before the audit runs (it takes much longer): " + seconds + " s");
        }
    }

    @Test
    void helpHasExamplesAndEveryOptionADescription() {
        OverlayCommandTest.Run run = OverlayCommandTest.heed("trust", "--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("Examples:") && run.out().contains("heed trust --model"), run.out());
        picocli.CommandLine.Model.CommandSpec spec = HeedMain.commandLine().getSubcommands().get("trust").getCommandSpec();
        for (picocli.CommandLine.Model.OptionSpec option : spec.options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), option.longestName() + " has no description");
        }
    }
}
