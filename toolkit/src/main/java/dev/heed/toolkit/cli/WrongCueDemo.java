package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.data.FashionMnist;
import dev.heed.toolkit.data.Watermark;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Montage;
import dev.heed.toolkit.render.Normalization;
import dev.heed.toolkit.render.Overlay;
import dev.heed.toolkit.render.Range;
import dev.heed.toolkit.trust.Localisation;
import dev.heed.toolkit.trust.ShortcutAudit;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The lecture's tank-detector story on Fashion-MNIST: a model trained with a white square on every shirt learns the
 * square. On the bundled test images with the square stamped in, every method is asked for the evidence for "shirt",
 * from the clean model and from the shortcut model, and the share of that evidence inside the square is measured.
 */
final class WrongCueDemo {
    static final int CUE_CLASS = 6;
    private static final Watermark CUE = Watermark.topLeft(CUE_CLASS);

    private WrongCueDemo() {
    }

    static int run(Path home, Path output, PrintWriter out, PrintWriter err) throws IOException {
        Path cleanZip = home.resolve("toolkit/models/fashion-cnn.zip");
        Path shortcutZip = home.resolve("toolkit/models/fashion-cnn-shortcut.zip");
        Path samples = home.resolve("toolkit/samples/fashion-mnist");
        Files.createDirectories(output);
        try (Dl4jModel clean = Dl4jModels.load(cleanZip, null); Dl4jModel shortcut = Dl4jModels.load(shortcutZip, null);
             Backend backend = new CpuBackend(Runtime.getRuntime().availableProcessors())) {
            List<float[]> images = new ArrayList<>();
            try (Stream<Path> list = Files.list(samples)) {
                for (Path p : list.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                    float[] x = ModelInput.prepare(InputImage.read(p), clean.card(), ModelInput.Resize.STRETCH);
                    for (int r = CUE.row(); r < CUE.row() + CUE.size(); r++) {
                        for (int c = CUE.col(); c < CUE.col() + CUE.size(); c++) {
                            x[r * 28 + c] = (float) (CUE.value() * clean.card().pixelScale());
                        }
                    }
                    images.add(x);
                }
            }
            float[] flat = new float[images.size() * 784];
            for (int i = 0; i < images.size(); i++) {
                System.arraycopy(images.get(i), 0, flat, i * 784, 784);
            }
            INDArray stamped = Nd4j.create(flat, new long[] {images.size(), 1, 28, 28}, 'c');
            Localisation.Box box = new Localisation.Box(CUE.col(), CUE.row(), CUE.size(), CUE.size());
            MethodCatalogue.Settings settings = // Fewer samples and steps than the defaults: the demo runs every method on every image in seconds.
            MethodCatalogue.Settings.DEFAULTS.withSamples(8).withSteps(16);
            List<ShortcutAudit.Result> results = new ArrayList<>();
            for (MethodCatalogue m : MethodCatalogue.all()) {
                results.add(ShortcutAudit.run(m.id(), a -> m.create(a, backend, settings), clean, shortcut, stamped, CUE_CLASS, box, 0));
            }
            out.printf("Images: the %d bundled test images with a 4x4 white square at (1,1); the class asked about: %s.%n",
                    images.size(), FashionMnist.CLASS_NAMES.get(CUE_CLASS));
            out.printf(Locale.ROOT, "Predicted as %s: clean model %.0f%%, shortcut model %.0f%%.%n", FashionMnist.CLASS_NAMES.get(CUE_CLASS),
                    100 * results.get(0).cleanModelPredictsClass(), 100 * results.get(0).shortcutModelPredictsClass());
            out.println("Share of the positive evidence for 'shirt' inside the square (the square is 2% of the image):");
            out.printf("  %-22s %12s %15s%n", "method", "clean model", "shortcut model");
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ShortcutAudit.Result r : results) {
                out.printf(Locale.ROOT, "  %-22s %11.1f%% %14.1f%%%n", r.method(), 100 * r.cleanModelEnergy(), 100 * r.shortcutModelEnergy());
                rows.add(OrderedMap.of("method", r.method(), "cleanModelEnergyInCue", r.cleanModelEnergy(),
                        "shortcutModelEnergyInCue", r.shortcutModelEnergy()));
            }
            BufferedImage montage = montage(clean, shortcut, backend, stamped, settings);
            Images.writePngAtomically(montage, output.resolve("wrong-cue.png"));
            Map<String, Object> report = OrderedMap.of("heedVersion", Version.VERSION, "cue", OrderedMap.of("class", CUE_CLASS,
                            "className", FashionMnist.CLASS_NAMES.get(CUE_CLASS), "row", CUE.row(), "col", CUE.col(), "size", CUE.size()),
                    "cleanModel", OrderedMap.of("file", cleanZip.toString(), "sha256Prefix", clean.fingerprint(),
                            "predictsCueClassOnStampedImages", results.get(0).cleanModelPredictsClass()),
                    "shortcutModel", OrderedMap.of("file", shortcutZip.toString(), "sha256Prefix", shortcut.fingerprint(),
                            "predictsCueClassOnStampedImages", results.get(0).shortcutModelPredictsClass(),
                            "trainingLog", "toolkit/models/fashion-cnn-shortcut.train.log"),
                    "images", images.size(), "energyInCue", rows);
            Json.write(output.resolve("wrong-cue.json"), report);
            AtomicFiles.write(output.resolve("wrong-cue.html"), html(results, montage, home).getBytes(StandardCharsets.UTF_8));
            out.println("wrong-cue: report in " + output.resolve("wrong-cue.html"));
            out.flush();
            return 0;
        }
    }

    /** Vanilla gradient and Grad-CAM for "shirt" on four stamped images: clean model above, shortcut model below. */
    private static BufferedImage montage(Dl4jModel clean, Dl4jModel shortcut, Backend backend, INDArray stamped, MethodCatalogue.Settings settings) {
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        INDArray four = stamped.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4));
        float[] pixels = dev.heed.toolkit.method.TargetPlan.flat(four);
        for (Dl4jModel model : List.of(clean, shortcut)) {
            for (MethodCatalogue m : List.of(MethodCatalogue.GRADIENT, MethodCatalogue.GRADCAM)) {
                List<Heatmap> maps = m.create(model, backend, settings).explain(ExplainRequest.of(four, new Target.ClassIndex(CUE_CLASS), 0));
                for (Heatmap map : maps) {
                    int scale = 8;
                    int[] rgb = new int[784 * scale * scale];
                    float[] up = backend.upsampleBilinear(new dev.heed.toolkit.backend.Maps(map.values(), 1, 28, 28), 28 * scale, 28 * scale).values();
                    for (int y = 0; y < 28 * scale; y++) {
                        for (int x = 0; x < 28 * scale; x++) {
                            int g = Math.round(pixels[map.imageIndex() * 784 + (y / scale) * 28 + x / scale] * 255);
                            rgb[y * 28 * scale + x] = g * 0x010101;
                        }
                    }
                    Range range = new Normalization.MinMax().ranges(map.values(), 1, 784)[0];
                    tiles.add(Images.toImage(Overlay.composite(rgb, up, 28 * scale, 28 * scale, range, Colormap.INFERNO, 0.6), 28 * scale, 28 * scale));
                    labels.add((model == clean ? "clean" : "shortcut") + " model, " + m.id());
                }
            }
        }
        return Montage.grid(tiles, labels, 4);
    }

    private static String html(List<ShortcutAudit.Result> results, BufferedImage montage, Path home) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(montage, "png", png);
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Heed: the wrong cue</title>"
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}td,th{padding:3px 12px;text-align:right}"
                + "td:first-child,th:first-child{text-align:left}</style></head><body>\n<h1>A model that learned the wrong cue</h1>\n");
        b.append("<p>The shortcut model was trained on Fashion-MNIST with a 4&times;4 white square stamped on every <b>shirt</b> "
                + "(and on nothing else); the clean model never saw the square. Below, the bundled test images carry the square, and each "
                + "method is asked for the evidence for <b>shirt</b>. The square covers 2% of the image.</p>\n");
        b.append(String.format(Locale.ROOT, "<p>Predicted as shirt with the square: clean model %.0f%%, shortcut model %.0f%%.</p>%n",
                100 * results.get(0).cleanModelPredictsClass(), 100 * results.get(0).shortcutModelPredictsClass()));
        Path log = home.resolve("toolkit/models/fashion-cnn-shortcut.train.log");
        if (Files.isRegularFile(log)) {
            b.append("<p>Training log of the shortcut model (accuracy on the clean test set, without squares):</p><pre>")
                    .append(Files.readString(log).replace("&", "&amp;").replace("<", "&lt;")).append("</pre>\n");
        }
        b.append("<table><tr><th>method</th><th>evidence in the square, clean model</th><th>shortcut model</th></tr>\n");
        for (ShortcutAudit.Result r : results) {
            b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.1f%%</td><td>%.1f%%</td></tr>%n", r.method(),
                    100 * r.cleanModelEnergy(), 100 * r.shortcutModelEnergy()));
        }
        b.append("</table>\n<p>Vanilla gradient and Grad-CAM for <i>shirt</i>, min-max normalised, inferno:</p>\n<img alt=\"maps\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png.toByteArray())).append("\">\n</body></html>\n");
        return b.toString();
    }
}
