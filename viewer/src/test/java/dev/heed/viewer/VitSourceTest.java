package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The viewer's ViT source runs its passes on Heed's plan on oneDNN and draws the maps SameDiff's passes give: each of
 * its three methods against {@code VitAttention} on the SameDiff graph, within 1e-4 of the map's largest value.
 */
class VitSourceTest {
    private static final Path VIT = Path.of("../toolkit/models/fashion-vit.zip");
    private static final Path SAMPLES = Path.of("../toolkit/samples/fashion-mnist");

    @Test
    void mapsOnOneDnnMatchTheSameDiffGraph() throws Exception {
        String unavailable = OneDnnExecutor.unavailableReason();
        Assumptions.assumeTrue(unavailable == null, "oneDNN: " + unavailable);
        List<String> log = new ArrayList<>();
        VisionTransformer reference = VisionTransformer.load(VIT);
        try (CpuBackend backend = new CpuBackend(1); VitSource source = new VitSource(VIT, SAMPLES, backend, "cpu", log::add)) {
            assertTrue(log.isEmpty(), "no fallback expected: " + log);
            assertTrue(source.describe().contains("pass on heed-onednn"), source.describe());
            int image = 2;
            int target = source.predictions(image).get(0).classIndex();
            float[] pixels = source.modelInput(image);
            VitAttention.Result expected = VitAttention.explain(reference, backend,
                    Nd4j.create(pixels, new long[] {1, 1, reference.card().height(), reference.card().width()}, 'c'),
                    new int[] {target}, VitAttention.Settings.DEFAULTS);
            int side = expected.side();
            int h = reference.card().height();
            int w = reference.card().width();
            List<float[]> references = List.of(
                    meanOfHeads(expected, side, expected.layers() - 1),
                    expected.rollout(0),
                    expected.classSpecific(0));
            for (int m = 0; m < VitSource.METHODS.size(); m++) {
                MapSource.ComputedMap map = source.compute(new ViewState.MapKey(image, m, 0, -1, -1));
                float[] want = backend.upsampleBilinear(new Maps(references.get(m), 1, side, side), h, w).values();
                assertEquals(want.length, map.values().length);
                double largest = 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    largest = Math.max(largest, Math.abs(want[i]));
                    worst = Math.max(worst, Math.abs(want[i] - map.values()[i]));
                }
                assertTrue(largest > 0, VitSource.METHODS.get(m) + ": the reference map is all zero");
                assertTrue(worst <= 1e-4 * largest, VitSource.METHODS.get(m) + ": differs by " + worst + " of " + largest);
            }
        }
    }

    private static float[] meanOfHeads(VitAttention.Result r, int side, int layer) {
        float[] mean = new float[side * side];
        for (int h = 0; h < r.heads(); h++) {
            float[] one = r.classToPatch(0, layer, h);
            for (int i = 0; i < one.length; i++) {
                mean[i] += one[i] / r.heads();
            }
        }
        return mean;
    }
}
