package dev.heed.toolkit.cli;

import static dev.heed.toolkit.cli.OverlayCommandTest.heed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.cli.OverlayCommandTest.Run;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelCard;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
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
 * {@code heed overlay --backend cuda} end to end: the model pass on Heed's CUDA engine, the map maths and the overlay
 * on the CUDA backend, against the same run with {@code --backend cpu} (DL4J and the CPU backend), for every method on
 * the bundled CNN. Runs on a GPU or, in every build, on the emulated driver; skipped without either.
 */
class CudaOverlayCommandTest {
    @TempDir
    Path tmp;
    Path input;

    @BeforeEach
    void requireDeviceAndCopyImages() throws Exception {
        BackendProvider.Probe probe = new CudaBackendProvider().probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, CUDA backend unavailable: " + probe.reason());
        input = Files.createDirectories(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(2).toList()) {
                Files.copy(p, input.resolve(p.getFileName()));
            }
        }
    }

    /** Small sample, step and window counts keep the emulated runs short; the maths is the same at any count. */
    @ParameterizedTest
    @ValueSource(strings = {"gradient", "gradxinput", "smoothgrad", "integrated-gradients", "guided-backprop", "gradcam", "gradcam++", "occlusion"})
    void cudaRunGivesTheCpuRunsMapsAndOverlays(String method) throws Exception {
        for (String backend : List.of("cpu", "cuda")) {
            List<String> args = new ArrayList<>(List.of("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", method,
                    "--input", input.toString(), "--output", tmp.resolve(backend).toString(), "--backend", backend,
                    "--samples", "3", "--steps", "4", "--window", "7", "--stride", "7"));
            if (backend.equals("cpu")) {
                args.addAll(List.of("--cpu-engine", "reference"));
            }
            if (method.equals("gradcam++")) {
                args.addAll(List.of("--normalize", "percentile:1:99"));
            }
            Run run = heed(args.toArray(String[]::new));
            assertEquals(0, run.exit(), run.err());
        }
        List<Path> sidecars;
        try (Stream<Path> s = Files.list(tmp.resolve("cuda"))) {
            sidecars = s.filter(p -> p.getFileName().toString().contains("." + method + ".c") && p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(2, sidecars.size());
        long pixels = 0;
        long offByMore = 0;
        for (Path sidecar : sidecars) {
            Map<String, Object> p = Json.read(sidecar);
            assertEquals("cuda", p.get("backend"));
            assertEquals("heed-cuda", p.get("modelPass"), "the model pass ran on Heed's engine");
            assertEquals("dl4j-cpu", Json.read(tmp.resolve("cpu").resolve(sidecar.getFileName())).get("modelPass"));
            String map = (String) ((Map<?, ?>) p.get("map")).get("file");
            float[] gpu = Npy.read(tmp.resolve("cuda").resolve(map));
            float[] cpu = Npy.read(tmp.resolve("cpu").resolve(map));
            float scale = 0;
            for (float v : cpu) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0, map + " is all zeros");
            for (int i = 0; i < cpu.length; i++) {
                // DL4J's float32 passes against the engine's: both within 1e-4 of the largest value of the oracle's map
                assertEquals(cpu[i], gpu[i], 1e-4f * scale, map + " at " + i);
            }
            String overlay = (String) p.get("overlay");
            BufferedImage a = ImageIO.read(tmp.resolve("cpu").resolve(overlay).toFile());
            BufferedImage b = ImageIO.read(tmp.resolve("cuda").resolve(overlay).toFile());
            for (int y = 0; y < a.getHeight(); y++) {
                for (int x = 0; x < a.getWidth(); x++) {
                    int ca = a.getRGB(x, y);
                    int cb = b.getRGB(x, y);
                    int worst = 0;
                    for (int shift = 0; shift <= 16; shift += 8) {
                        worst = Math.max(worst, Math.abs((ca >> shift & 0xFF) - (cb >> shift & 0xFF)));
                    }
                    pixels++;
                    offByMore += worst > 1 ? 1 : 0;
                }
            }
        }
        // maps that differ by float rounding may put a pixel on the neighbouring colour-table entry; nothing more
        assertTrue(offByMore <= pixels / 1000, offByMore + " of " + pixels + " overlay pixels differ by more than one level");
    }

    /** --precision tf32 runs the engine's multiplications on the tensor cores (emulated: rounded to TF32) and says so. */
    @Test
    void theTf32PathIsChosenByItsOptionAndRecorded() throws Exception {
        Run tf32 = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", input.toString(),
                "--output", tmp.resolve("tf32").toString(), "--backend", "cuda", "--precision", "tf32");
        assertEquals(0, tf32.exit(), tf32.err());
        assertTrue(tf32.err().contains("model pass: Heed's CUDA engine on") && tf32.err().contains("TF32)"), tf32.err());
        try (Stream<Path> s = Files.list(tmp.resolve("tf32"))) {
            Path sidecar = s.filter(p -> p.getFileName().toString().contains(".gradcam.c") && p.toString().endsWith(".json")).findFirst().orElseThrow();
            assertEquals("heed-cuda-tf32", Json.read(sidecar).get("modelPass"));
        }
        Run bad = heed("overlay", "--model", TestModels.BUNDLED_MODEL.toString(), "--method", "gradcam", "--input", input.toString(),
                "--output", tmp.resolve("bad").toString(), "--precision", "fp16");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown --precision 'fp16'; valid: fp32, tf32, auto"), bad.err());
    }

    /** A layer the engine cannot run: one line naming it, an error with --backend cuda and a fallback with auto. */
    @Test
    void anUnsupportedLayerIsOneLineErrorWithCudaAndAFallbackWithAuto() throws Exception {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new LocalResponseNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1)).build());
        network.init();
        Path zip = tmp.resolve("lrn.zip");
        ModelCard bundled = Dl4jModels.readCard(TestModels.BUNDLED_MODEL);
        Dl4jModels.save(network, bundled, zip);

        Run cuda = heed("overlay", "--model", zip.toString(), "--method", "gradient", "--input", input.toString(), "--output",
                tmp.resolve("lrn-cuda").toString(), "--backend", "cuda");
        assertEquals(2, cuda.exit(), cuda.err());
        List<String> errors = cuda.err().lines().filter(l -> l.startsWith("heed overlay: ")).toList();
        assertEquals(1, errors.size(), cuda.err());
        assertTrue(errors.get(0).contains("(LocalResponseNormalization)") && errors.get(0).contains(zip.toString()), errors.get(0));

        Run auto = heed("overlay", "--model", zip.toString(), "--method", "gradient", "--input", input.toString(), "--output",
                tmp.resolve("lrn-auto").toString(), "--backend", "auto");
        assertEquals(0, auto.exit(), auto.err());
        List<String> fallback = auto.err().lines().filter(l -> l.contains("model pass: DL4J on the CPU, since layer")).toList();
        assertEquals(1, fallback.size(), auto.err());
        assertTrue(fallback.get(0).contains("(LocalResponseNormalization)"), fallback.get(0));
        try (Stream<Path> s = Files.list(tmp.resolve("lrn-auto"))) {
            Path sidecar = s.filter(p -> p.getFileName().toString().contains(".gradient.c") && p.toString().endsWith(".json")).findFirst().orElseThrow();
            assertEquals("dl4j-cpu", Json.read(sidecar).get("modelPass"));
        }
    }
}
