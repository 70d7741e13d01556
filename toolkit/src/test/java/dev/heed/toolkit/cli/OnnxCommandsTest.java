package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelPassEngine;
import dev.heed.toolkit.engine.source.OnnxSource;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.ModelInput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code heed overlay} and {@code heed trust} on an ONNX export (the committed torch test model), end to end: the
 * card's sources (preset, card file, options), provenance, one-line refusals, and the audit's randomisation over the
 * plan's weighted ops.
 */
class OnnxCommandsTest {
    static final Path TINY_RESNET = Path.of("src/test/resources/onnx/tiny_resnet.onnx");
    @TempDir
    Path tmp;
    Path input;

    @BeforeEach
    void copyPhotos() throws Exception {
        input = Files.createDirectories(tmp.resolve("in"));
        for (String name : List.of("chelsea.png", "coffee.png")) {
            Files.copy(TestModels.PHOTOS.resolve(name), input.resolve(name));
        }
    }

    private Path modelWithCard(String card) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "model");
        Path model = Files.copy(TINY_RESNET, dir.resolve("tiny.onnx"));
        if (card != null) {
            Files.writeString(OnnxSource.cardFileOf(model), card);
        }
        return model;
    }

    @Test
    void anOnnxExportIsExplainedWithItsCardFileAndTheMapIsTheApisMap() throws Exception {
        String names = IntStream.range(0, 10).mapToObj(i -> "\"kind " + i + "\"").reduce((a, b) -> a + ", " + b).orElseThrow();
        Path model = modelWithCard("{\"mean\": [0.5, 0.4, 0.3], \"std\": [0.2, 0.25, 0.3], \"classNames\": [" + names + "]}");
        Path out = tmp.resolve("out");
        Run cam = heed("overlay", "--model", model.toString(), "--method", "gradcam", "--input", input.toString(), "--output",
                out.toString(), "--backend", "cpu", "--target", "class:4");
        assertEquals(0, cam.exit(), cam.err());
        assertEquals("/avg/AveragePool", Json.read(out.resolve("chelsea.gradcam.c4-kind-4.json")).get("layer"),
                "the last node with a spatial output is the default CAM layer");
        Run run = heed("overlay", "--model", model.toString(), "--method", "gradient", "--input", input.toString(), "--output",
                out.toString(), "--backend", "cpu", "--target", "class:4");
        assertEquals(0, run.exit(), run.err());
        Map<String, Object> sidecar = Json.read(out.resolve("chelsea.gradient.c4-kind-4.json"));
        assertEquals("heed-onednn", sidecar.get("modelPass"), "the CPU's default engine");
        Map<?, ?> modelEntry = (Map<?, ?>) sidecar.get("model");
        assertEquals("onnx", modelEntry.get("format"));
        Map<?, ?> preparation = (Map<?, ?>) modelEntry.get("inputPreparation");
        assertEquals(OnnxSource.cardFileOf(model).toString(), preparation.get("cardFile"));
        assertEquals(List.of(0.5, 0.4000000059604645, 0.30000001192092896), ((Map<?, ?>) preparation.get("normalisation")).get("mean"));
        assertEquals("kind 4", ((Map<?, ?>) sidecar.get("target")).get("className"));

        // The same map through the API, and the card file's normalisation really reached the model.
        try (OnnxSource source = OnnxSource.open(model, ModelOptions.NONE);
             OnnxSource plain = OnnxSource.open(TINY_RESNET, ModelOptions.NONE);
             CpuBackend backend = new CpuBackend(1);
             ModelPassEngine engine = ModelPassEngine.open(source, "cpu", backend.id(), "fp32", line -> { })) {
            float[] prepared = ModelInput.prepare(InputImage.read(input.resolve("chelsea.png")), source.card(), ModelInput.Resize.STRETCH);
            INDArray batch = Nd4j.create(prepared, new long[] {1, 3, 32, 32}, 'c');
            float[] expected = new VanillaGradient(engine.model(), backend).explain(ExplainRequest.of(batch, new Target.ClassIndex(4), 0))
                    .get(0).values();
            float[] written = Npy.read(out.resolve("chelsea.gradient.c4-kind-4.npy"));
            assertArrayEquals(expected, written, 0f);
            assertTrue(IntStream.range(0, written.length).anyMatch(i -> written[i] != 0), "an all-zero map proves nothing");
            float[] normalised = source.cpuModel().logits(batch).toFloatVector();
            float[] unnormalised = plain.cpuModel().logits(batch).toFloatVector();
            assertFalse(Arrays.equals(normalised, unnormalised), "the normalisation changed nothing: it was not applied");
        }
    }

    @Test
    void optionsOverrideTheCardFileAndMistakesAreOneLine() throws Exception {
        Path model = modelWithCard("{\"preset\": \"none\", \"pixelScale\": 0.5}");
        Path labels = Files.writeString(tmp.resolve("labels.txt"), "only\ntwo\n", StandardCharsets.UTF_8);
        Run wrongCount = heed("overlay", "--model", model.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", tmp.resolve("a").toString(), "--labels", labels.toString());
        assertEquals(2, wrongCount.exit());
        assertEquals(List.of("heed overlay: " + model + ": 2 class names (" + labels + ") for a model with 10 classes"), wrongCount.err().lines().toList());

        Run imagenet = heed("overlay", "--model", model.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", tmp.resolve("b").toString(), "--preset", "imagenet");
        assertEquals(2, imagenet.exit());
        assertEquals(List.of("heed overlay: " + model + ": 1000 class names (preset imagenet) for a model with 10 classes"),
                imagenet.err().lines().toList());

        Run dl4jPreset = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", tmp.resolve("c").toString(), "--preset", "imagenet");
        assertEquals(2, dl4jPreset.exit());
        assertEquals(1, dl4jPreset.err().lines().count(), dl4jPreset.err());
        assertTrue(dl4jPreset.err().contains("--preset, --mean and --std apply to ONNX models"), dl4jPreset.err());

        Path corrupt = Files.write(tmp.resolve("corrupt.onnx"), "this is not a protobuf at all, just text".getBytes(StandardCharsets.UTF_8));
        Run bad = heed("overlay", "--model", corrupt.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", tmp.resolve("d").toString());
        assertEquals(2, bad.exit());
        assertEquals(1, bad.err().lines().count(), bad.err());
        assertTrue(bad.err().startsWith("heed overlay: " + corrupt + ": not an ONNX model"), bad.err());

        Path badCard = modelWithCard("{\"mean\": [0.5, 0.5]");
        Run unreadable = heed("overlay", "--model", badCard.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", tmp.resolve("e").toString());
        assertEquals(2, unreadable.exit());
        assertEquals(1, unreadable.err().lines().count(), unreadable.err());
        assertTrue(unreadable.err().contains(OnnxSource.cardFileOf(badCard) + ": unreadable card file"), unreadable.err());
        assertFalse(Files.exists(tmp.resolve("e").resolve("summary.gradient.json")), "nothing was explained");
    }

    @Test
    void theTrustAuditReDrawsThePlansWeightedOps() throws Exception {
        Path out = tmp.resolve("trust");
        Run run = heed("trust", "--model", TINY_RESNET.toString(), "--method", "gradient", "--input", input.toString(),
                "--output", out.toString(), "--steps", "4", "--backend", "cpu");
        assertEquals(0, run.exit(), run.err());
        Map<String, Object> report = Json.read(out.resolve("trust.gradient.json"));
        assertEquals("heed-onednn", report.get("modelPass"), "the CPU's default engine");
        Map<?, ?> randomisation = (Map<?, ?>) ((Map<?, ?>) report.get("audit")).get("randomisation");
        String cascading = String.valueOf(randomisation.get("cascading"));
        // tiny_resnet has 8 Conv and 1 Gemm nodes; the check walks them from the output down, the Gemm first.
        assertTrue(cascading.indexOf("/fc/Gemm") >= 0 && cascading.indexOf("/fc/Gemm") < cascading.indexOf("/stem/stem.0/Conv"), cascading);
        try (Stream<String> layers = java.util.regex.Pattern.compile("layer=").splitAsStream(cascading)) {
            assertEquals(9 + 1, layers.count(), cascading);
        }
    }

    @Test
    void theDemoExplainsTheBundledPhotographsWithTheBundledOnnxExportByEveryMethod() throws Exception {
        Path out = tmp.resolve("demo");
        Run run = heed("demo", "photos", "--home", "..", "--output", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("random weights"), "the demo says its maps only show the path works: " + run.out());
        List<String> imagenet = OnnxSource.imagenetClasses();
        for (dev.heed.toolkit.method.catalogue.MethodCatalogue method : dev.heed.toolkit.method.catalogue.MethodCatalogue.all()) {
            Path folder = out.resolve("photos").resolve(method.id());
            Map<String, Object> summary = Json.read(folder.resolve("summary." + method.id() + ".json"));
            assertEquals(4, ((Number) ((Map<?, ?>) summary.get("counts")).get("maps")).intValue(), method.id());
            Map<String, Object> index = Json.read(folder.resolve("chelsea." + method.id() + ".json"));
            Map<?, ?> first = (Map<?, ?>) ((List<?>) index.get("maps")).get(0);
            int cls = ((Number) first.get("class")).intValue();
            assertEquals(imagenet.get(cls), first.get("className"), method.id());
            Map<String, Object> sidecar = Json.read(folder.resolve((String) first.get("sidecar")));
            Map<?, ?> preparation = (Map<?, ?>) ((Map<?, ?>) sidecar.get("model")).get("inputPreparation");
            assertEquals("imagenet", preparation.get("preset"), method.id());
            assertEquals(List.of(3, 224, 224), ((Map<?, ?>) sidecar.get("model")).get("inputShape"));
        }
    }
}
