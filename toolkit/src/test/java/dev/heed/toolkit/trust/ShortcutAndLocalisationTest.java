package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The committed shortcut and canvas models: saliency finds the planted cue, and Grad-CAM points at the item. */
class ShortcutAndLocalisationTest {

    @Test
    void saliencyOfTheShortcutModelSitsOnTheWatermark() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("samples/fashion-mnist"))) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        try (Dl4jModel clean = Dl4jModels.load(Path.of("models/fashion-cnn.zip"), null);
             Dl4jModel shortcut = Dl4jModels.load(Path.of("models/fashion-cnn-shortcut.zip"), null);
             CpuBackend backend = new CpuBackend(2)) {
            float[] flat = new float[files.size() * 784];
            for (int i = 0; i < files.size(); i++) {
                float[] x = ModelInput.prepare(InputImage.read(files.get(i)), clean.card(), ModelInput.Resize.STRETCH);
                for (int r = 1; r < 5; r++) {
                    for (int c = 1; c < 5; c++) {
                        x[r * 28 + c] = 1f;
                    }
                }
                System.arraycopy(x, 0, flat, i * 784, 784);
            }
            INDArray stamped = Nd4j.create(flat, new long[] {files.size(), 1, 28, 28}, 'c');
            Localisation.Box box = new Localisation.Box(1, 1, 4, 4);
            // Measured by `heed demo wrong-cue`: 1.9% vs 11.8% (gradient) and 15.7% vs 66.8% (gradient x input) of the
            // evidence for "shirt" sits in a square that covers 2% of the image.
            for (var factory : List.<java.util.function.Function<dev.heed.toolkit.model.ModelAdapter, dev.heed.toolkit.api.SaliencyMethod>>of(
                    m -> new VanillaGradient(m, backend), m -> new dev.heed.toolkit.method.gradient.GradientTimesInput(m, backend))) {
                ShortcutAudit.Result r = ShortcutAudit.run("m", factory, clean, shortcut, stamped, 6, box, 0);
                assertTrue(r.shortcutModelEnergy() > 3 * r.cleanModelEnergy() && r.shortcutModelEnergy() > ENERGY_FLOOR,
                        "the shortcut model's evidence in the square should dwarf the clean model's: " + r);
                assertTrue(r.shortcutModelPredictsClass() > 0.8 && r.cleanModelPredictsClass() < 0.5, r.toString());
            }
        }
    }

    private static final double ENERGY_FLOOR = 0.08;

    @Test
    void gradCamPointsAtTheItemOnClutteredCanvases() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("samples/cluttered/boxes.csv"));
        try (Dl4jModel model = Dl4jModels.load(Path.of("models/fashion-cnn-canvas.zip"), null); CpuBackend backend = new CpuBackend(2)) {
            int hits = 0;
            int n = lines.size() - 1;
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(i + 1).split(",");
                float[] x = ModelInput.prepare(InputImage.read(Path.of("samples/cluttered", f[0])), model.card(), ModelInput.Resize.STRETCH);
                Heatmap map = new GradCam(model, backend, null).explain(ExplainRequest.of(Nd4j.create(x, new long[] {1, 1, 56, 56}, 'c'),
                        new Target.ClassIndex(Integer.parseInt(f[1])), 0)).get(0);
                Localisation.Box box = new Localisation.Box(Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]));
                hits += Localisation.pointingHit(map.values(), 56, 56, box) ? 1 : 0;
            }
            assertTrue(hits >= POINTING_FLOOR, "Grad-CAM pointing game: " + hits + " of " + n);
        }
    }

    /** Measured: 99 of 100 (`heed demo localisation`); the issue aims at 90%. */
    private static final int POINTING_FLOOR = 90;
}
