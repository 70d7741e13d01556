package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.data.FashionMnist;
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
        float[] attention = Npy.read(output.resolve("line-003/attention.npy"));
        assertEquals(6 * 12 * 13 * 13, attention.length);
        // --token cat: only sentence 1 has it; the others fall back to [CLS] with a warning naming the input
        Map<String, Object> first = Json.read(output.resolve("line-001/provenance.json"));
        assertEquals(2, ((Map<?, ?>) first.get("rollout")).get("token"));
        assertEquals(0, ((Map<?, ?>) pair.get("rollout")).get("token"));
        assertTrue(run.errLines().contains("warning: " + file + ":3: --token 'cat' is not one of its 13 tokens; the rollout is drawn for [CLS]"), run.err());
        Map<String, Object> summary = Json.read(output.resolve("summary.attention.json"));
        assertTrue(summary.toString().contains("line-004") && summary.toString().contains("invalid UTF-8"), summary.toString());
    }

    @Test
    void theRolloutTokenDefaultsToClsAndARerunSkipsWhatIsDone() throws Exception {
        Path output = tmp.resolve("out");
        String[] args = {"attention", "--model", "minilm", "--text", "Attention is all you need.", "--output", output.toString(), "--backend", "cpu"};
        OverlayCommandTest.Run first = heed(args);
        assertEquals(0, first.exit(), first.err());
        Path html = output.resolve("text-001/attention.html");
        String page = Files.readString(html);
        assertFalse(page.contains("http://") || page.contains("https://"), "the page works offline");
        long written = Files.getLastModifiedTime(html).toMillis();
        OverlayCommandTest.Run again = heed(args);
        assertEquals(0, again.exit(), again.err());
        assertEquals(written, Files.getLastModifiedTime(html).toMillis(), "a rerun with the same settings skips the input");
        assertTrue(Json.read(output.resolve("summary.attention.json")).toString().contains("skipped"));
        assertFalse(Files.exists(output.resolve("text-001/saliency.svg")), "no saliency without --compare");
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
        assertTrue(Files.isRegularFile(dir.resolve("summary.png")));
    }
}
