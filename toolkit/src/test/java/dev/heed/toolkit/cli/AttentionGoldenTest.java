package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heed attention}'s outputs, byte for byte, against the SHA-256 of every file it wrote when this test was made
 * (src/test/resources/golden/attention.sha256): per input folder the heatmaps, strips, pages, raw maps and provenance of
 * the bundled MiniLM on the bundled sentences (pairs, --compare, --token), and of the bundled ViT on three bundled
 * images; the summaries of a first run and of a rerun that skips everything. Paths given to the command are relative,
 * so the provenance is the same on every machine. The passes run on the models' SameDiff graphs
 * ({@code --cpu-engine reference}): the bytes of a map are then those of one reference engine, where oneDNN's may move
 * with the machine's instruction set; {@code OneDnnAttentionCommandTest} holds oneDNN to them. A refactoring must leave this test green; a deliberate change of
 * outputs rewrites the file with {@code -Dheed.golden.write=true} and says why in its commit.
 */
class AttentionGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/attention.sha256");

    @TempDir
    Path tmp;

    @Test
    void outputsAreByteForByteTheGoldenOnes() throws Exception {
        Path root = System.getProperty("heed.golden.keep") != null ? Path.of(System.getProperty("heed.golden.keep")) : tmp;
        Map<String, String> digests = new TreeMap<>();

        String[] text = {"attention", "--model", "minilm", "--input-file", "samples/sentences.txt", "--output", root.resolve("text").toString(),
                "--compare", "An animal was exhausted.", "--token", "it", "--batch-size", "4", "--backend", "cpu", "--cpu-engine", "reference"};
        run(text);
        digestTree(root.resolve("text"), "text", digests);

        List<String> images;
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            images = s.map(Path::toString).filter(n -> n.endsWith(".png")).sorted().limit(3).toList();
        }
        String[] vision = {"attention", "--model", "models/fashion-vit.zip", "--input", String.join(",", images), "--output",
                root.resolve("vit").toString(), "--target", "class:3", "--head-fusion", "max", "--discard-ratio", "0.2",
                "--alpha", "0.6", "--batch-size", "2", "--backend", "cpu", "--cpu-engine", "reference"};
        run(vision);
        digestTree(root.resolve("vit"), "vit", digests);
        run(vision);
        digests.put("vit-rerun/summary.attention.json", sha256(root.resolve("vit/summary.attention.json")));

        String actual = digests.entrySet().stream().map(e -> e.getValue() + "  " + e.getKey()).collect(Collectors.joining("\n", "", "\n"));
        if (Boolean.getBoolean("heed.golden.write")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), actual, "outputs differ from the golden ones (see the file names)");
    }

    private static void run(String... args) {
        Run run = heed(args);
        assertEquals(0, run.exit(), run.err());
    }

    private static void digestTree(Path folder, String prefix, Map<String, String> digests) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                digests.put(prefix + "/" + folder.relativize(f).toString().replace('\\', '/'), sha256(f));
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
