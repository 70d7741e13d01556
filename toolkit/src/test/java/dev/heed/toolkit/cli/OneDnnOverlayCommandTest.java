package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code heed overlay --backend cpu} runs the model pass on Heed's plan on oneDNN by default: every method's maps
 * against the same run on DL4J's inference twin ({@code --cpu-engine reference}), the engine in provenance, the
 * fixed-seed repeat, and the one-line fallback for a layer the plan cannot express.
 */
class OneDnnOverlayCommandTest {
    @TempDir
    Path tmp;
    Path input;

    @BeforeEach
    void requireOneDnnAndCopyImages() throws Exception {
        String unavailable = OneDnnExecutor.unavailableReason();
        Assumptions.assumeTrue(unavailable == null, () -> "unverified: " + unavailable);
        input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(2).toList()) {
                Files.copy(p, input.resolve(p.getFileName()));
            }
        }
    }

    private Run overlay(String method, String output, String... more) {
        List<String> args = new ArrayList<>(List.of("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", method,
                "--input", input.toString(), "--output", tmp.resolve(output).toString(), "--backend", "cpu",
                "--samples", "3", "--steps", "4", "--window", "7", "--stride", "7", "--seed", "5"));
        args.addAll(List.of(more));
        return heed(args.toArray(String[]::new));
    }

    private List<Path> sidecars(String output, String method) throws Exception {
        try (Stream<Path> s = Files.list(tmp.resolve(output))) {
            return s.filter(p -> p.getFileName().toString().contains("." + method + ".c") && p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gradient", "gradxinput", "smoothgrad", "integrated-gradients", "guided-backprop", "gradcam", "gradcam++", "occlusion"})
    void theDefaultCpuEngineGivesTheTwinsMaps(String method) throws Exception {
        Run onednn = overlay(method, "onednn");
        assertEquals(0, onednn.exit(), onednn.err());
        assertEquals("", onednn.err().lines().filter(l -> l.contains("model pass")).findAny().orElse(""),
                "no fallback line when oneDNN runs the model");
        Run twin = overlay(method, "twin", "--cpu-engine", "reference");
        assertEquals(0, twin.exit(), twin.err());
        List<Path> sidecars = sidecars("onednn", method);
        assertEquals(2, sidecars.size());
        for (Path sidecar : sidecars) {
            Map<String, Object> p = Json.read(sidecar);
            assertEquals("heed-onednn", p.get("modelPass"));
            assertEquals("dl4j-cpu", Json.read(tmp.resolve("twin").resolve(sidecar.getFileName())).get("modelPass"));
            String map = (String) ((Map<?, ?>) p.get("map")).get("file");
            float[] ours = Npy.read(tmp.resolve("onednn").resolve(map));
            float[] oracle = Npy.read(tmp.resolve("twin").resolve(map));
            float scale = 0;
            for (float v : oracle) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0, map + " is all zeros");
            for (int i = 0; i < oracle.length; i++) {
                // two float32 engines summing in different orders: within 1e-4 of the largest value of the oracle's map
                assertEquals(oracle[i], ours[i], 1e-4f * scale, map + " at " + i);
            }
        }
    }

    /** SmoothGrad's noise is seeded per image: the same seed on the same engine gives the same bits. */
    @Test
    void theFixedSeedRepeatGivesIdenticalMaps() throws Exception {
        assertEquals(0, overlay("smoothgrad", "first").exit());
        assertEquals(0, overlay("smoothgrad", "second").exit());
        for (Path sidecar : sidecars("first", "smoothgrad")) {
            String map = (String) ((Map<?, ?>) Json.read(sidecar).get("map")).get("file");
            assertArrayEquals(Files.readAllBytes(tmp.resolve("first").resolve(map)), Files.readAllBytes(tmp.resolve("second").resolve(map)), map);
        }
    }

    /** A layer the plan cannot express: the twin runs the model, one line names the layer and its type. */
    @Test
    void anUnsupportedLayerFallsBackToTheTwinWithOneLine() throws Exception {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new LocalResponseNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1)).build());
        network.init();
        Path zip = tmp.resolve("lrn.zip");
        ModelCard bundled = Dl4jModels.readCard(TestModels.BUNDLED_MODEL);
        Dl4jModels.save(network, bundled, zip);
        Run run = heed("overlay", "--model", zip.toString(), "--method", "gradient", "--input", input.toString(), "--output",
                tmp.resolve("lrn").toString(), "--backend", "cpu");
        assertEquals(0, run.exit(), run.err());
        List<String> fallback = run.err().lines().filter(l -> l.contains("model pass: DL4J on the CPU, since layer")).toList();
        assertEquals(1, fallback.size(), run.err());
        assertTrue(fallback.get(0).contains("(LocalResponseNormalization)"), fallback.get(0));
        for (Path sidecar : sidecars("lrn", "gradient")) {
            assertEquals("dl4j-cpu", Json.read(sidecar).get("modelPass"));
        }
    }

    @Test
    void anUnknownCpuEngineIsABadOption() {
        Run run = overlay("gradient", "bad", "--cpu-engine", "mkl");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("unknown --cpu-engine 'mkl'; valid: onednn, reference"), run.err());
    }
}
