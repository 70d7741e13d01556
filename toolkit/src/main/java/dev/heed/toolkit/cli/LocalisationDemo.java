package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.trust.Localisation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Localisation ground truth: the bundled cluttered canvases with known item boxes, the canvas model, and for every
 * method the pointing-game hit rate and the mean share of positive evidence inside the box, for the true class.
 */
final class LocalisationDemo {
    private LocalisationDemo() {
    }

    /** Scores every method; the rows are also what the README's table shows. */
    static List<Map<String, Object>> score(Path home, PrintWriter out) throws IOException {
        Path zip = home.resolve("toolkit/models/fashion-cnn-canvas.zip");
        Path folder = home.resolve("toolkit/samples/cluttered");
        List<String> lines = Files.readAllLines(folder.resolve("boxes.csv"));
        try (Dl4jModel model = Dl4jModels.load(zip, null); Backend backend = new CpuBackend(Runtime.getRuntime().availableProcessors())) {
            int n = lines.size() - 1;
            int side = model.card().width();
            float[] batch = new float[n * side * side];
            int[] labels = new int[n];
            List<Localisation.Box> boxes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(i + 1).split(",");
                float[] x = ModelInput.prepare(InputImage.read(folder.resolve(f[0])), model.card(), ModelInput.Resize.STRETCH);
                System.arraycopy(x, 0, batch, i * side * side, side * side);
                labels[i] = Integer.parseInt(f[1]);
                boxes.add(new Localisation.Box(Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5])));
            }
            INDArray inputs = Nd4j.create(batch, new long[] {n, 1, side, side}, 'c');
            INDArray predicted = model.logits(inputs).argMax(1);
            int correct = 0;
            for (int i = 0; i < n; i++) {
                correct += predicted.getInt(i) == labels[i] ? 1 : 0;
            }
            out.printf(Locale.ROOT, "%d canvases, model accuracy %.0f%%; maps for the true class%n", n, 100.0 * correct / n);
            out.printf("  %-22s %14s %16s%n", "method", "pointing game", "energy in box");
            MethodCatalogue.Settings settings = // Fewer samples and steps than the defaults: the demo runs every method on every image in seconds.
            MethodCatalogue.Settings.DEFAULTS.withSamples(8).withSteps(16);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (MethodCatalogue m : MethodCatalogue.all()) {
                int hits = 0;
                double energy = 0;
                for (int i = 0; i < n; i++) {
                    INDArray one = inputs.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1));
                    Heatmap map = m.create(model, backend, settings).explain(ExplainRequest.of(one, new Target.ClassIndex(labels[i]), i)).get(0);
                    hits += Localisation.pointingHit(map.values(), side, side, boxes.get(i)) ? 1 : 0;
                    energy += Localisation.energyInBox(map.values(), side, boxes.get(i)) / n;
                }
                out.printf(Locale.ROOT, "  %-22s %13.0f%% %15.0f%%%n", m.id(), 100.0 * hits / n, 100 * energy);
                out.flush();
                rows.add(OrderedMap.of("method", m.id(), "pointingGame", (double) hits / n, "energyInBox", energy));
            }
            rows.add(0, OrderedMap.of("canvases", n, "modelAccuracy", (double) correct / n, "model", zip.toString(),
                    "sha256Prefix", model.fingerprint(), "target", "true class", "tolerancePixels", Localisation.tolerance(side, side)));
            return rows;
        }
    }

    static int run(Path home, Path output, PrintWriter out) throws IOException {
        List<Map<String, Object>> rows = score(home, out);
        Files.createDirectories(output);
        Json.write(output.resolve("localisation.json"), OrderedMap.of("heedVersion", Version.VERSION, "about", rows.get(0),
                "methods", rows.subList(1, rows.size())));
        out.println("localisation: " + output.resolve("localisation.json"));
        return 0;
    }
}
