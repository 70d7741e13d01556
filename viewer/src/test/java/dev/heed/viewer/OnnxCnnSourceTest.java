package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.source.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer's classifier source on an ONNX export (the toolkit's committed torch test model): the labels reach the
 * predictions, and every method of the catalogue (a user's own, from this module's test code, included) gives a finite,
 * non-constant map of the model's input size.
 */
class OnnxCnnSourceTest {
    private static final Path TINY_RESNET = Path.of("../toolkit/src/test/resources/onnx/tiny_resnet.onnx");
    private static final Path PHOTOS = Path.of("../toolkit/samples/photos");

    @TempDir
    Path tmp;

    @Test
    void everyMethodMapsAnOnnxModelWithItsLabels() throws Exception {
        Path labels = Files.writeString(tmp.resolve("labels.txt"),
                IntStream.range(0, 10).mapToObj(i -> "thing " + i).collect(Collectors.joining("\n")));
        List<String> log = new ArrayList<>();
        try (CpuBackend backend = new CpuBackend(1);
             CnnSource source = new CnnSource(TINY_RESNET, new ModelOptions(null, null, labels, null, null, null), PHOTOS, backend,
                     "cpu", log::add)) {
            assertEquals(4, source.images().size(), "the four bundled photographs");
            assertTrue(source.predictions(0).get(0).name().startsWith("thing "), source.predictions(0).toString());
            assertTrue(source.describe().contains("heed-onednn"), source.describe());
            assertTrue(source.methods().contains(RenamedGradientProvider.ID), "a method from another jar is offered: " + source.methods());
            for (int m = 0; m < source.methods().size(); m++) {
                MapSource.ComputedMap map = source.compute(new ViewState.MapKey(1, m, 0, 0, 0));
                assertEquals(32, map.width());
                assertEquals(32, map.height());
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (float v : map.values()) {
                    assertTrue(Float.isFinite(v), source.methods().get(m));
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                assertTrue(hi > lo, source.methods().get(m) + " gave a constant map");
            }
        }
    }
}
