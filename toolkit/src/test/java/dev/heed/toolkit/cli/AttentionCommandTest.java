package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.data.FashionMnist;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.model.ModelCard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code heed attention} end to end, text and images: outputs, provenance, bad input, resume. */
class AttentionCommandTest {
    @TempDir
    Path tmp;

    @Test
    void textInputsFromAFileEachGetTheirViewsAndBadLinesAreNamedWhileTheRestCarriesOn() throws Exception {
        Path file = tmp.resolve("sentences.txt");
        byte[] bad = {'o', 'k', ' ', (byte) 0xC3, (byte) 0x28, '\n'};
        try (var out = Files.newOutputStream(file)) {
            out.write("The cat sat on the mat.\n\nHow old are you?\tWhat is your age?\n".getBytes(StandardCharsets.UTF_8));
            out.write(bad);
            out.write("Fine again\r\n".getBytes(StandardCharsets.UTF_8));
        }
        Path output = tmp.resolve("out");
        OverlayCommandTest.Run run = heed("attention", "--model", "minilm", "--input-file", file.toString(), "--output", output.toString(),
                "--compare", "A kitten rests.", "--token", "cat", "--backend", "cpu");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.errLines().contains(file + ":4: invalid UTF-8 (Input length = 1); the line is skipped"), run.err());
        for (String name : List.of("line-001", "line-003", "line-005")) {
            Path dir = output.resolve(name);
            for (String f : List.of("layer-0.svg", "layer-5.png", "attention.html", "rollout.svg", "saliency.png", "attention.npy", "provenance.json")) {
                assertTrue(Files.isRegularFile(dir.resolve(f)), dir.resolve(f) + " exists");
            }
        }
        Map<String, Object> pair = Json.read(output.resolve("line-003/provenance.json"));
        @SuppressWarnings("unchecked")
        List<String> tokens = (List<String>) pair.get("tokens");
        assertEquals(List.of("[CLS]", "how", "old", "are", "you", "?", "[SEP]", "what", "is", "your", "age", "?", "[SEP]"), tokens);
        assertEquals("What is your age?", pair.get("second"));
        assertEquals(List.of(101, 2129, 2214, 2024, 2017, 1029, 102, 2054, 2003, 2115, 2287, 1029, 102), pair.get("tokenIds"),
                "bert-base-uncased ids, [CLS] = 101 and [SEP] = 102");
        assertEquals(List.of(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1), pair.get("segmentIds"), "the second sentence and its [SEP] are segment 1");
        float[] attention = Npy.read(output.resolve("line-003/attention.npy"));
        assertEquals(6 * 12 * 13 * 13, attention.length);
        // --token cat: only sentence 1 has it; the others fall back to [CLS] with a warning naming the input
        Map<String, Object> first = Json.read(output.resolve("line-001/provenance.json"));
        assertEquals(2, ((Map<?, ?>) first.get("rollout")).get("token"));
        assertEquals(0, ((Map<?, ?>) pair.get("rollout")).get("token"));
        assertTrue(run.errLines().contains("heed attention: warning: " + file + ":3: --token 'cat' is not one of its 13 tokens; the rollout is drawn for [CLS]"), run.err());
        Map<String, Object> summary = Json.read(output.resolve("summary.attention.json"));
        assertTrue(summary.toString().contains("line-004") && summary.toString().contains("invalid UTF-8"), summary.toString());
    }

    @Test
    void emptyTextAndMisusedOptionsAreClearErrors() {
        OverlayCommandTest.Run empty = heed("attention", "--model", "minilm", "--text", "   ", "--output", tmp.resolve("o").toString(), "--backend", "cpu");
        assertEquals(1, empty.exit());
        assertTrue(empty.errLines().contains("--text #1: empty text"), empty.err());
        OverlayCommandTest.Run mixed = heed("attention", "--model", "minilm", "--input", "x.png", "--output", tmp.resolve("o").toString());
        assertEquals(2, mixed.exit());
        assertTrue(mixed.err().contains("--model minilm explains text: use --text or --input-file, not --input"), mixed.err());
        OverlayCommandTest.Run notOnnx = heed("attention", "--model", TestModels.BUNDLED_MODEL.toString().replace(".zip", ".log"),
                "--text", "hi", "--output", tmp.resolve("o").toString(), "--backend", "cpu");
        assertEquals(2, notOnnx.exit());
    }

    @Test
    void imagesGetAHeadGridARolloutAndAClassSpecificMapAndABadImageIsNamed() throws Exception {
        ModelCard card = new ModelCard(1, 28, 28, 1.0 / 255, FashionMnist.CLASS_NAMES);
        Path zip = tmp.resolve("vit.zip");
        VisionTransformer.fresh(card, new VisionTransformer.Architecture(7, new TransformerSpec(2, 2, 8, 16, true, 1e-6)), 1, 1e-3).save(zip);
        Path input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            s.filter(p -> p.toString().endsWith(".png")).sorted().limit(3).forEach(p -> {
                try {
                    Files.copy(p, input.resolve(p.getFileName()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        Files.write(input.resolve("broken.png"), new byte[0]);
        Path output = tmp.resolve("out");
        OverlayCommandTest.Run run = heed("attention", "--model", zip.toString(), "--input", input.toString(), "--output", output.toString(),
                "--target", "class:3", "--backend", "cpu");
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.errLines().contains(input.resolve("broken.png") + ": empty file (0 bytes)"), run.err());
        Path dir = output.resolve("0000-ankle-boot");
        var grid = ImageIO.read(dir.resolve("heads.png").toFile());
        assertTrue(grid.getWidth() >= 2 * 112 && grid.getHeight() >= 2 * 112, "2 layers x 2 heads of 112 px tiles");
        assertEquals(2 * 2 * 16, Npy.read(dir.resolve("class-to-patch.npy")).length, "4x4 patch grid per layer and head");
        assertEquals(16, Npy.read(dir.resolve("class-specific.npy")).length);
        Map<String, Object> provenance = Json.read(dir.resolve("provenance.json"));
        assertEquals(3, ((Map<?, ?>) provenance.get("target")).get("class"));
        assertEquals("dress", ((Map<?, ?>) provenance.get("target")).get("name"));
        assertTrue(((String) ((Map<?, ?>) provenance.get("model")).get("sha256Prefix")).matches("[0-9a-f]{16}"), provenance.toString());

        // summary.png: three 224 px panels with titles, and a colour bar right of them
        var summary = ImageIO.read(dir.resolve("summary.png").toFile());
        assertTrue(summary.getWidth() >= 3 * 224 + 80 && summary.getHeight() >= 224 + 40,
                summary.getWidth() + "x" + summary.getHeight());
        int barTop = -1;
        int barBottom = -1;
        int[] lut = dev.heed.toolkit.render.Colormap.VIRIDIS.packedLut();
        for (int x = 3 * 224; x < summary.getWidth() && barTop < 0; x++) {
            for (int y = 0; y < summary.getHeight(); y++) {
                int rgb = summary.getRGB(x, y) & 0xFFFFFF;
                if (rgb == lut[255] && barTop < 0) {
                    barTop = y;
                }
                if (rgb == lut[0] && barTop >= 0) {
                    barBottom = y;
                }
            }
        }
        assertTrue(barTop > 0 && barBottom - barTop > 200, "a viridis bar, high end on top, about 224 px tall: " + barTop + ".." + barBottom);
        assertTrue(darkPixels(summary, 0, 0, 3 * 224, 45) > 100, "figure and panel titles above the panels");
    }

    @Test
    void a128TokenInputKeepsItsIdsAModelHashAndARolloutWithoutSpecialTokensInACompactPageAndARerunSkipsIt() throws Exception {
        // one MiniLM forward serves all of these checks: the model takes seconds to load and run
        Path output = tmp.resolve("long");
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(13); // 130 word pieces, cut to 128
        String[] args = {"attention", "--model", "minilm", "--text", text, "--output", output.toString(), "--backend", "cpu"};
        OverlayCommandTest.Run run = heed(args);
        assertEquals(0, run.exit(), run.err());
        Path dir = output.resolve("text-001");
        Map<String, Object> provenance = Json.read(dir.resolve("provenance.json"));
        @SuppressWarnings("unchecked")
        List<String> tokens = (List<String>) provenance.get("tokens");
        assertEquals(128, tokens.size());
        List<?> ids = (List<?>) provenance.get("tokenIds");
        assertEquals(128, ids.size());
        assertEquals(List.of(101, 1996, 4248), ids.subList(0, 3), "[CLS] the quick");
        assertEquals(102, ids.get(127), "[SEP]");
        assertEquals(java.util.Collections.nCopies(128, 0), provenance.get("segmentIds"));
        assertEquals(bundledModelSha256Prefix(), ((Map<?, ?>) provenance.get("model")).get("sha256Prefix"));

        Map<?, ?> rollout = (Map<?, ?>) provenance.get("rollout");
        List<?> plain = (List<?>) rollout.get("row");
        List<?> noSpecial = (List<?>) rollout.get("rowWithoutSpecialTokens");
        assertEquals(0.0, ((Number) noSpecial.get(0)).doubleValue(), "[CLS] gets 0");
        assertEquals(0.0, ((Number) noSpecial.get(127)).doubleValue(), "[SEP] gets 0");
        double sum = 0;
        for (int k = 1; k < 127; k++) {
            sum += ((Number) noSpecial.get(k)).doubleValue();
        }
        assertEquals(1.0, sum, 1e-5, "the row sums to 1 over the other tokens");
        double ratio = ((Number) noSpecial.get(5)).doubleValue() / ((Number) plain.get(5)).doubleValue();
        assertEquals(ratio, ((Number) noSpecial.get(9)).doubleValue() / ((Number) plain.get(9)).doubleValue(), 1e-4 * ratio,
                "renormalising keeps the words' proportions");
        assertTrue(((Map<?, ?>) rollout.get("views")).toString().contains("[CLS] and [SEP] left out"));
        assertTrue(Files.isRegularFile(dir.resolve("rollout-no-special.png")) && Files.isRegularFile(dir.resolve("rollout.svg")));
        assertTrue(Files.readString(dir.resolve("rollout-no-special.svg")).contains("[CLS] and [SEP] left out (0), row renormalised"));

        long page = Files.size(dir.resolve("attention.html"));
        // 4/3 x (6 x 12 x 128^2 weight bytes + 128^2 float32 rollout) = 1,660,248 characters of base64, plus script,
        // styles and provenance; the page was 7.4 MB with decimal JSON
        assertTrue(page > 1_660_248 && page < 1_800_000, page + " bytes");
        assertTrue(run.errLines().stream().anyMatch(l -> l.contains("truncated to 128 tokens")), run.err());

        assertEquals(0, ((Map<?, ?>) provenance.get("rollout")).get("token"), "the rollout token defaults to [CLS]");
        Path html = dir.resolve("attention.html");
        String content = Files.readString(html);
        assertFalse(content.contains("http://") || content.contains("https://"), "the page works offline");
        assertFalse(Files.exists(dir.resolve("saliency.svg")), "no saliency without --compare");
        long written = Files.getLastModifiedTime(html).toMillis();
        OverlayCommandTest.Run again = heed(args);
        assertEquals(0, again.exit(), again.err());
        assertEquals(written, Files.getLastModifiedTime(html).toMillis(), "a rerun with the same settings skips the input");
        assertTrue(Json.read(output.resolve("summary.attention.json")).toString().contains("skipped"));
    }

    @Test
    void aBadModelOrMaxTokensStopsWithOneLineBeforeAnythingIsWritten() throws Exception {
        Path output = tmp.resolve("never");
        Path folder = Files.createDirectories(tmp.resolve("a-folder"));
        Path garbage = Files.write(tmp.resolve("garbage.onnx"), new byte[] {8, 1, 2, 3, 4, 5, 6, 7, 9});
        Path notZip = Files.write(tmp.resolve("vit.zip"), new byte[] {1, 2, 3});
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of("--model", "bert", "--text", "hi"), "heed attention: --model bert: no such file, and not a model name; "
                + "valid names: minilm, vit, or a BERT-style .onnx file or a ViT .zip");
        cases.put(List.of("--model", folder.toString(), "--text", "hi"), "heed attention: --model " + folder
                + ": is a folder; give a BERT-style .onnx file or a ViT .zip");
        cases.put(List.of("--model", "minilm", "--text", "hi", "--max-tokens", "0"),
                "heed attention: --max-tokens 0: must be at least 5 ([CLS], two [SEP] and a token of each sentence)");
        cases.put(List.of("--model", "minilm", "--text", "hi", "--max-tokens", "-4"),
                "heed attention: --max-tokens -4: must be at least 5 ([CLS], two [SEP] and a token of each sentence)");
        cases.put(List.of("--model", "minilm", "--text", "hi", "--max-tokens", "513"),
                "heed attention: --max-tokens 513: beyond the model's 512 positions");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("attention", "--output", output.toString(), "--backend", "cpu"));
            args.addAll(c.getKey());
            OverlayCommandTest.Run run = heed(args.toArray(String[]::new));
            assertEquals(2, run.exit(), c.getKey() + ": " + run.err());
            assertEquals(List.of(c.getValue()), run.errLines(), c.getKey().toString());
            assertFalse(Files.exists(output), "nothing written for " + c.getKey());
        }
        // files that exist but are not models: checked once the output folder is known to be usable, one line naming the file
        for (Path bad : List.of(garbage, notZip)) {
            String[] input = bad == garbage ? new String[] {"--text", "hi"} : new String[] {"--input", TestModels.FASHION_SAMPLES.toString()};
            List<String> args = new java.util.ArrayList<>(List.of("attention", "--model", bad.toString(), "--output", output.toString(), "--backend", "cpu"));
            args.addAll(List.of(input));
            OverlayCommandTest.Run run = heed(args.toArray(String[]::new));
            assertEquals(2, run.exit(), run.err());
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(run.errLines().get(0).startsWith("heed attention: " + bad + ": not "), run.err());
        }
    }

    @Test
    void helpEndsWithExamplesAndDescribesEveryOption() {
        OverlayCommandTest.Run help = heed("attention", "--help");
        assertEquals(0, help.exit());
        String text = help.out();
        int examples = text.indexOf("Examples:");
        assertTrue(examples > 0, text);
        assertTrue(text.substring(examples).lines().allMatch(l -> l.length() <= 80), "no example is wrapped: " + text);
        // shell continuation lines joined, as a shell reads them
        List<String> lines = text.substring(examples).replace("\\" + System.lineSeparator() + "     ", "").lines()
                .filter(l -> l.startsWith("  heed attention ")).toList();
        assertEquals(3, lines.size(), text);
        assertTrue(lines.stream().allMatch(l -> l.contains("--model") && l.contains("--output")), text);
        for (var option : new picocli.CommandLine(new AttentionCommand()).getCommandSpec().options()) {
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), option.longestName() + " has a description");
        }
    }

    private static int darkPixels(java.awt.image.BufferedImage image, int x, int y, int width, int height) {
        int dark = 0;
        for (int j = y; j < Math.min(image.getHeight(), y + height); j++) {
            for (int i = x; i < Math.min(image.getWidth(), x + width); i++) {
                int rgb = image.getRGB(i, j);
                dark += (rgb >> 16 & 0xFF) + (rgb >> 8 & 0xFF) + (rgb & 0xFF) < 3 * 100 ? 1 : 0;
            }
        }
        return dark;
    }

    /** Hashed here independently of MiniLm: the first 16 hex digits of the SHA-256 of the jar entry. */
    private static String bundledModelSha256Prefix() throws Exception {
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = AttentionCommandTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            byte[] buffer = new byte[1 << 16];
            for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
                sha256.update(buffer, 0, r);
            }
        }
        return java.util.HexFormat.of().formatHex(sha256.digest()).substring(0, 16);
    }
}
