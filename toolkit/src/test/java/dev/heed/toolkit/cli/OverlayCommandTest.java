package dev.heed.toolkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code heed overlay} end to end on the bundled model and images: outputs, provenance, bad input, resume. */
class OverlayCommandTest {
    @TempDir
    Path tmp;
    Path input;
    Path output;

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run heed(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HeedMain.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeEach
    void copySamples() throws Exception {
        input = Files.createDirectories(tmp.resolve("in"));
        output = tmp.resolve("out");
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            s.filter(p -> p.toString().endsWith(".png")).sorted().limit(4).forEach(p -> copy(p, input.resolve(p.getFileName())));
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Run overlay(String method, String... extra) {
        List<String> args = new ArrayList<>(List.of("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", method,
                "--input", input.toString(), "--output", output.toString()));
        args.addAll(Arrays.asList(extra));
        return heed(args.toArray(String[]::new));
    }

    private List<Path> outputs(String glob) throws Exception {
        try (Stream<Path> s = Files.list(output)) {
            java.nio.file.PathMatcher m = output.getFileSystem().getPathMatcher("glob:" + glob);
            return s.filter(p -> m.matches(p.getFileName())).sorted().toList();
        }
    }

    @Test
    void writesOverlayRawMapAndProvenanceForEveryImageAndTarget() throws Exception {
        byte[] before = Files.readAllBytes(input.resolve("0000-ankle-boot.png"));
        Run run = overlay("gradcam", "--target", "topk:2");
        assertEquals(0, run.exit(), run.err());
        assertEquals(8, outputs("*.gradcam.c*.png").size());
        assertEquals(8, outputs("*.gradcam.c*.npy").size());
        assertEquals(8, outputs("*.gradcam.c*.json").size());
        assertEquals(4, outputs("*.gradcam.json").size() - 1, "one index per image, plus the summary");
        assertEquals(1, outputs("montage.gradcam.*.png").size());
        assertArrayEquals(before, Files.readAllBytes(input.resolve("0000-ankle-boot.png")), "inputs are never modified");

        Path sidecar = outputs("0000-ankle-boot.gradcam.c*.json").get(0);
        Map<String, Object> p = Json.read(sidecar);
        assertEquals(Version.VERSION, p.get("heedVersion"));
        assertEquals("gradcam", ((Map<?, ?>) p.get("method")).get("id"));
        assertEquals("pool2", p.get("layer"));
        assertEquals("cpu", p.get("backend"));
        assertEquals("minmax", ((Map<?, ?>) p.get("normalization")).get("mode"));
        assertEquals("viridis", p.get("colormap"));
        assertEquals(16, ((String) ((Map<?, ?>) p.get("model")).get("sha256Prefix")).length());
        Map<?, ?> target = (Map<?, ?>) p.get("target");
        assertEquals("topk:2", target.get("requested"));
        float[] raw = Npy.read(output.resolve((String) ((Map<?, ?>) p.get("map")).get("file")));
        assertEquals(28 * 28, raw.length);
        double max = Arrays.stream(toDouble(raw)).max().orElseThrow();
        assertEquals(max, ((Number) ((Map<?, ?>) p.get("normalization")).get("hi")).doubleValue(), 1e-5, "min-max range is the map's own");

        BufferedImage overlay = ImageIO.read(output.resolve((String) p.get("overlay")).toFile());
        assertEquals(280, overlay.getHeight(), "28 px images are scaled up by 10 to reach 256 px");
        Map<String, Object> summary = Json.read(output.resolve("summary.gradcam.json"));
        assertEquals(4, ((Map<?, ?>) summary.get("counts")).get("done"));
        assertEquals(0, ((Map<?, ?>) summary.get("counts")).get("failed"));
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void badInputsFailOneLineEachWhileTheBatchCarriesOn() throws Exception {
        Files.write(input.resolve("empty.png"), new byte[0]);
        byte[] good = Files.readAllBytes(input.resolve("0000-ankle-boot.png"));
        Files.write(input.resolve("truncated.png"), Arrays.copyOf(good, good.length / 2));
        Files.writeString(input.resolve("notes.png"), "this is not an image\n");
        BufferedImage gray16 = new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(5, 5, 0, 40000);
        ImageIO.write(gray16, "png", input.resolve("deep.png").toFile());
        BufferedImage rgba = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(3, 3, 0x80FF0000);
        ImageIO.write(rgba, "png", input.resolve("alpha.png").toFile());

        Run run = overlay("gradient", "--batch-size", "3");
        assertEquals(1, run.exit(), "some inputs failed: " + run.err());
        for (String bad : List.of("empty.png", "truncated.png", "notes.png")) {
            List<String> lines = run.errLines().stream().filter(l -> l.contains(bad)).toList();
            assertEquals(1, lines.size(), bad + ": " + run.err());
            assertTrue(lines.get(0).startsWith(input.resolve(bad).toString() + ": "), lines.get(0));
        }
        assertTrue(run.err().contains("empty.png: empty file (0 bytes)"), run.err());
        assertTrue(run.err().contains("notes.png: not an image"), run.err());
        assertTrue(run.err().contains("truncated.png: truncated or corrupt PNG image"), run.err());
        assertEquals(6, outputs("*.gradient.json").size() - 1, "four samples plus the 16-bit and the alpha image, plus the summary");
        Map<String, Object> deep = Json.read(outputs("deep.gradient.c*.json").get(0));
        assertEquals(List.of("16-bit samples scaled to 8-bit", "gray replicated to RGB"), ((Map<?, ?>) deep.get("input")).get("conversions"));
        Map<String, Object> alpha = Json.read(outputs("alpha.gradient.c*.json").get(0));
        assertEquals(List.of("alpha channel dropped"), ((Map<?, ?>) alpha.get("input")).get("conversions"));
        Map<String, Object> summary = Json.read(output.resolve("summary.gradient.json"));
        assertEquals(3, ((List<?>) summary.get("failures")).size());
        assertTrue(run.out().contains("3 failed"), run.out());
    }

    @Test
    void aRerunSkipsFinishedImagesUnlessForced() throws Exception {
        assertEquals(0, overlay("gradxinput").exit());
        Path map = outputs("*.gradxinput.c*.npy").get(0);
        FileTime first = FileTime.fromMillis(1000);
        Files.setLastModifiedTime(map, first);
        Run again = overlay("gradxinput");
        assertEquals(0, again.exit());
        assertTrue(again.err().contains("skipping 4 image(s)"), again.err());
        assertEquals(first, Files.getLastModifiedTime(map));
        assertEquals(0, overlay("gradxinput", "--force").exit());
        assertFalse(first.equals(Files.getLastModifiedTime(map)), "--force rewrites");
        Files.setLastModifiedTime(map, first);
        Run otherSettings = overlay("gradxinput", "--alpha", "0.7");
        assertEquals(0, otherSettings.exit());
        assertTrue(otherSettings.err().contains("redoing 4 image(s) whose outputs were made with other settings"), otherSettings.err());
        assertFalse(first.equals(Files.getLastModifiedTime(map)), "outputs made with other settings are redone");
        try (Stream<Path> s = Files.list(output)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void theSameSeedGivesTheSameMapsWhateverTheBatchSize() throws Exception {
        Run one = overlay("smoothgrad", "--batch-size", "1", "--samples", "4", "--seed", "9");
        assertEquals(0, one.exit(), one.err());
        Path firstOut = output;
        output = tmp.resolve("out-batched");
        assertEquals(0, overlay("smoothgrad", "--batch-size", "4", "--samples", "4", "--seed", "9").exit());
        List<Path> a;
        try (Stream<Path> s = Files.list(firstOut)) {
            a = s.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
        }
        assertEquals(4, a.size());
        for (Path p : a) {
            // Same noise, same seeds; only float rounding inside batched convolutions may differ, in the last bits.
            float[] single = Npy.read(p);
            float[] batched = Npy.read(output.resolve(p.getFileName()));
            double scale = 0;
            for (float v : single) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertArrayEquals(single, batched, (float) (1e-5 * scale), p.getFileName().toString());
        }
        output = tmp.resolve("out-other-seed");
        assertEquals(0, overlay("smoothgrad", "--batch-size", "4", "--samples", "4", "--seed", "10").exit());
        assertFalse(Arrays.equals(Npy.read(a.get(0)), Npy.read(output.resolve(a.get(0).getFileName()))), "another seed, another map");
    }

    @Test
    void jobLevelProblemsStopWithOneLine() throws Exception {
        Path corrupt = Files.write(tmp.resolve("corrupt.zip"), new byte[] {1, 2, 3, 4});
        Run bad = heed("overlay", "--model", corrupt.toString(), "--method", "gradcam", "--input", input.toString(), "--output", output.toString());
        assertEquals(2, bad.exit());
        assertEquals(1, bad.errLines().size(), bad.err());
        assertTrue(bad.err().contains(corrupt.toString()), bad.err());

        Run unknownClass = overlay("gradcam", "--target", "class:12");
        assertEquals(2, unknownClass.exit());
        assertTrue(unknownClass.err().contains("unknown class 12; the model has 10 classes"), unknownClass.err());

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        output = file.resolve("out");
        Run unwritable = overlay("gradcam");
        assertEquals(2, unwritable.exit());
        assertTrue(unwritable.err().contains("output folder is not writable"), unwritable.err());
        output = tmp.resolve("out");

        Run wrongShape = overlay("gradcam", "--input-shape", "1,32,32");
        assertEquals(2, wrongShape.exit());
        assertTrue(wrongShape.err().contains("does not accept inputs of shape [1, 32, 32]"), wrongShape.err());

        Run negativeWindow = overlay("occlusion", "--window", "-3");
        assertEquals(2, negativeWindow.exit());
        assertTrue(negativeWindow.err().contains("--window must be at least 1 pixel, got -3"), negativeWindow.err());
        Run zeroWindow = overlay("occlusion", "--window", "0");
        assertEquals(2, zeroWindow.exit(), "an explicit 0 is a mistake, not the default");
        assertTrue(zeroWindow.err().contains("--window must be at least 1 pixel, got 0"), zeroWindow.err());
        Run zeroSamples = overlay("smoothgrad", "--samples", "0");
        assertEquals(2, zeroSamples.exit());
        assertTrue(zeroSamples.err().contains("--samples must be at least 1"), zeroSamples.err());

        Run missingLabels = overlay("gradcam", "--input-shape", "1,28,28", "--labels", tmp.resolve("nope.txt").toString());
        assertEquals(2, missingLabels.exit());
        assertTrue(missingLabels.err().contains("nope.txt: cannot read the labels file"), missingLabels.err());

        Run unknownMethod = overlay("lime");
        assertEquals(2, unknownMethod.exit());
        assertTrue(unknownMethod.errLines().get(0).contains("unknown method 'lime'; valid: gradient"), unknownMethod.err());

        Run unknownLayer = overlay("gradcam", "--layer", "conv9");
        assertEquals(2, unknownLayer.exit());
        assertTrue(unknownLayer.err().contains("unknown layer 'conv9'; layers with a spatial output: conv1, pool1, conv2, bn2, relu2, pool2"), unknownLayer.err());

        Path missing = tmp.resolve("no-such-folder");
        Path freshOutput = tmp.resolve("fresh-out");
        Run missingInput = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", missing.toString(),
                "--output", freshOutput.toString());
        assertEquals(2, missingInput.exit(), "a misspelt --input is a bad option: " + missingInput.err());
        assertEquals(List.of("heed overlay: " + missing + ": no such file or folder (--input)"), missingInput.errLines());
        assertFalse(Files.exists(freshOutput), "nothing is created for a job that cannot run");

        Path noImages = Files.createDirectories(tmp.resolve("no-images"));
        Files.writeString(noImages.resolve("readme.txt"), "x");
        Run emptyInput = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", noImages.toString(),
                "--output", output.toString());
        assertEquals(2, emptyInput.exit(), emptyInput.err());
        assertTrue(emptyInput.err().contains(noImages + ": no images (.png, .jpg, .jpeg, .bmp, .gif) found (--input)"), emptyInput.err());

        Path aFile = Files.writeString(tmp.resolve("demo-output-is-a-file"), "x");
        long start = System.nanoTime();
        Run demoIntoFile = heed("demo", "--home", tmp.toString(), "--output", aFile.toString());
        assertEquals(2, demoIntoFile.exit(), demoIntoFile.err());
        assertEquals(List.of("heed demo: " + aFile + ": exists and is not a folder (--output)"), demoIntoFile.errLines());
        assertEquals("", demoIntoFile.out(), "no 'outputs under' after a demo that could not run");
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "checked before any method runs");

        Run sameFolder = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", input.toString(), "--output", input.toString());
        assertEquals(2, sameFolder.exit());
        assertTrue(sameFolder.err().contains("must not be an input folder"), sameFolder.err());
    }

    @Test
    void aUsersOwnGraphWithoutACardRunsOnPhotosOfAnySize() throws Exception {
        Path zip = tmp.resolve("user-graph.zip");
        ModelSerializer.writeModel(TestModels.smallRgbGraph(4), zip.toFile(), false);
        Path labels = Files.writeString(tmp.resolve("labels.txt"), "cat\ncoffee\nastronaut\n");
        List<String> base = List.of("overlay", "--model", zip.toString(), "--method", "gradcam",
                "--input", TestModels.PHOTOS.resolve("chelsea.png") + "," + TestModels.PHOTOS.resolve("camera.png"),
                "--output", output.toString());
        Run noCard = heed(base.toArray(String[]::new));
        assertEquals(2, noCard.exit());
        assertTrue(noCard.err().contains("--input-shape"), noCard.err());

        List<String> args = new ArrayList<>(base);
        args.addAll(List.of("--input-shape", "3,32,32", "--labels", labels.toString(), "--resize", "crop", "--target", "all"));
        Run run = heed(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        assertEquals(6, outputs("*.gradcam.c*.png").size());
        Map<String, Object> p = Json.read(outputs("chelsea.gradcam.c0-cat.json").get(0));
        Map<?, ?> resize = (Map<?, ?>) p.get("resize");
        assertEquals("crop", resize.get("policy"));
        assertEquals(List.of(75, 0, 300, 300), resize.get("region"), "451x300 cropped to its centred 300x300 square");
        BufferedImage overlay = ImageIO.read(output.resolve((String) p.get("overlay")).toFile());
        assertEquals(300, overlay.getHeight(), "real-size photos are drawn at their own size");
        assertEquals(List.of("gray replicated to RGB"),
                ((Map<?, ?>) Json.read(outputs("camera.gradcam.c0-cat.json").get(0)).get("input")).get("conversions"));
    }

    @Test
    void trustBlocksTravelWithTheMapsAndRequirementsRefuseExport() throws Exception {
        Run trusted = overlay("gradient", "--trust");
        assertEquals(0, trusted.exit(), trusted.err());
        Map<String, Object> sidecar = Json.read(outputs("0000-ankle-boot.gradient.c*.json").get(0));
        Map<?, ?> checks = (Map<?, ?>) ((Map<?, ?>) sidecar.get("trust")).get("checks");
        for (String key : List.of("deletionAuc", "insertionAuc", "averageDrop")) {
            double v = ((Number) checks.get(key)).doubleValue();
            assertTrue(v >= 0 && v <= 1, key + " = " + v);
        }

        output = tmp.resolve("strict");
        Run strict = overlay("gradient", "--require", "insertionAuc=1.01");
        assertEquals(1, strict.exit(), "no map can reach an insertion AUC above 1");
        assertEquals(4, strict.errLines().stream().filter(l -> l.contains("not exported, it fails --require: insertionAuc")).count(), strict.err());
        assertTrue(outputs("*.gradient.c*.png").isEmpty(), "refused maps are not exported");

        Run unknown = overlay("gradient", "--require", "beauty=1");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unknown check 'beauty'; valid: deletionAuc, insertionAuc, averageDrop, relativeCompletenessGap"), unknown.err());
    }

    @Test
    void methodsListsEveryMethodWithItsPaper() {
        Run run = heed("methods");
        assertEquals(0, run.exit());
        for (String id : List.of("gradient", "gradxinput", "smoothgrad", "integrated-gradients", "guided-backprop", "gradcam", "gradcam++", "occlusion")) {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith(id + " ")), id + " missing: " + run.out());
        }
        assertTrue(heed("overlay", "--help").out().contains("--normalize"));
    }
}
