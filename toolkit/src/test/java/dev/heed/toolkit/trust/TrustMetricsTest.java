package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.Dl4jModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrustMetricsTest {

    @Test
    void spearmanWithTiesAgainstHandRanks() {
        // a ranks 1, 2.5, 2.5, 4; b ranks 4, 3, 2, 1: d = -3, -0.5, 0.5, 3 -> Pearson of ranks = -0.9486832980505138
        // (computed by hand: cov = -4.5/ (sqrt(4.5) * sqrt(5)))
        assertEquals(-4.5 / Math.sqrt(4.5 * 5), MapSimilarity.spearman(new float[] {1, 2, 2, 3}, new float[] {9, 7, 5, 1}), 1e-12);
        assertEquals(1.0, MapSimilarity.spearman(new float[] {1, 5, 9}, new float[] {2, 3, 100}), 1e-12);
        assertEquals(1.0, MapSimilarity.spearmanOfMagnitudes(new float[] {-3, 1, 2}, new float[] {3, -1, 2}), 1e-12);
        assertTrue(Double.isNaN(MapSimilarity.spearman(new float[] {1, 1, 1}, new float[] {1, 2, 3})));
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, MapSimilarity.ranks(new float[] {1, 2, 2, 3}));
    }

    @Test
    void ssimIsOneForTheSameMapAndFollowsTheFormulaForConstants() {
        float[] ramp = new float[49];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i % 7;
        }
        assertEquals(1.0, MapSimilarity.ssim(ramp, ramp, 7, 7), 1e-12);
        // one window; x = unit ramp (column c has value c/6), y = all zeros after normalisation (constant map):
        // SSIM = (0 + C1) (0 + C2) / ((mx^2 + C1) (vx + C2)), mx = 0.5, vx = sample variance of the 49 values
        double mx = 0.5;
        double vx = 0;
        for (int c = 0; c < 7; c++) {
            vx += 7 * Math.pow(c / 6.0 - mx, 2);
        }
        vx /= 48;
        double c1 = 1e-4;
        double c2 = 9e-4;
        assertEquals(c1 * c2 / ((mx * mx + c1) * (vx + c2)), MapSimilarity.ssim(ramp, new float[49], 7, 7), 1e-12);
    }

    @Test
    void roadImputesRemovedPixelsFromTheirNeighbours() {
        // 3x3 image of 0.5 with the centre removed: its neighbours' weighted mean is 0.5; with a linear ramp the
        // centre of a 3x3 block is the average of a symmetric neighbourhood, i.e. the ramp's value there.
        float[] flat = new float[9];
        java.util.Arrays.fill(flat, 0.5f);
        flat[4] = 9f;
        boolean[] removed = new boolean[9];
        removed[4] = true;
        assertEquals(0.5f, Road.impute(flat, removed, 1, 3, 3, 0, 1)[4], 1e-6f);
        float[] ramp = {0, 1, 2, 0, 7, 2, 0, 1, 2};
        assertEquals(1f, Road.impute(ramp, removed, 1, 3, 3, 0, 1)[4], 1e-6f);
        float[] noisy = Road.impute(flat, removed, 1, 3, 3, 0.1, 1);
        assertTrue(Math.abs(noisy[4] - 0.5f) > 0 && noisy[0] == 0.5f, "noise only on removed pixels");
    }

    @Test
    void hogSimilaritySeesOrientation() {
        float[] vertical = new float[64];
        float[] horizontal = new float[64];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                vertical[y * 8 + x] = x % 2;
                horizontal[y * 8 + x] = y % 2;
            }
        }
        assertEquals(1.0, MapSimilarity.hog(vertical, vertical, 8, 8), 1e-9);
        assertTrue(MapSimilarity.hog(vertical, horizontal, 8, 8) < 0, "vertical and horizontal stripes share no orientation");
    }

    /** The hand-built net's class-0 logit is sum(x)/2 and class 1's is -sum(x)/8, so p0 = sigmoid(5 sum(x) / 8). */
    private static double p0(double sum) {
        return 1 / (1 + Math.exp(-5 * sum / 8));
    }

    @Test
    void deletionAndInsertionCurvesOnTheHandBuiltNet() {
        Dl4jModel model = Dl4jModel.of(TestModels.handBuiltCamNet(), TestModels.card(1, 4, 4, 2), "hand");
        float[] image = new float[16];
        float[] map = new float[16];
        for (int i = 0; i < 16; i++) {
            image[i] = 0.5f;
            map[i] = 16 - i;
        }
        Faithfulness.Curves curves = new Faithfulness(model).deletionInsertion(image, map, 0, 4, 0.0);
        double[] sums = {8, 6, 4, 2, 0};
        for (int k = 0; k <= 4; k++) {
            assertEquals(p0(sums[k]), curves.deletion()[k], 1e-9, "deletion step " + k);
            assertEquals(p0(8 - sums[k]), curves.insertion()[k], 1e-9, "insertion step " + k);
        }
        double deletionAuc = 0;
        for (int k = 0; k < 4; k++) {
            deletionAuc += (p0(sums[k]) + p0(sums[k + 1])) / 2 / 4;
        }
        double insertionAuc = 0;
        for (int k = 0; k < 4; k++) {
            insertionAuc += (p0(8 - sums[k]) + p0(8 - sums[k + 1])) / 2 / 4;
        }
        assertEquals(deletionAuc, curves.deletionAuc(), 1e-9);
        assertEquals(insertionAuc, curves.insertionAuc(), 1e-9);
    }

    @Test
    void confidenceChangeMasksTheImageWithTheMap() {
        Dl4jModel model = Dl4jModel.of(TestModels.handBuiltCamNet(), TestModels.card(1, 4, 4, 2), "hand");
        float[] image = new float[16];
        float[] map = new float[16];
        for (int i = 0; i < 16; i++) {
            image[i] = 1f;
            map[i] = i < 8 ? 1f : 0f;
        }
        // masked image keeps 8 ones: sum 8 instead of 16
        Faithfulness.ConfidenceChange change = new Faithfulness(model).confidenceChange(image, map, 0);
        assertEquals(p0(16), change.original(), 1e-9);
        assertEquals(p0(8), change.masked(), 1e-9);
        assertEquals((p0(16) - p0(8)) / p0(16), change.drop(), 1e-9);
        assertFalse(change.increased());
    }

    /** Sobel edge magnitude of the input: a map that does not depend on the model at all. */
    private static SaliencyMethod edgeDetector(int h, int w) {
        return new SaliencyMethod() {
            @Override
            public List<Heatmap> explain(ExplainRequest request) {
                List<Heatmap> maps = new ArrayList<>();
                for (int i = 0; i < request.batchSize(); i++) {
                    float[] x = TargetPlan.flat(TargetPlan.rowsOf(request.inputs(), new int[] {i}));
                    float[] edges = new float[h * w];
                    for (int r = 1; r < h - 1; r++) {
                        for (int c = 1; c < w - 1; c++) {
                            float gx = x[r * w + c + 1] - x[r * w + c - 1];
                            float gy = x[(r + 1) * w + c] - x[(r - 1) * w + c];
                            edges[r * w + c] = (float) Math.hypot(gx, gy);
                        }
                    }
                    int cls = request.target() instanceof Target.ClassIndex ci ? ci.index() : 0;
                    maps.add(new Heatmap(i, cls, 0f, h, w, edges, false, Map.of()));
                }
                return maps;
            }

            @Override
            public String id() {
                return "edges";
            }

            @Override
            public Map<String, Object> parameters() {
                return Map.of();
            }
        };
    }

    @Test
    void randomisationSeparatesAModelDependentMethodFromAnEdgeDetector() {
        var network = dev.heed.toolkit.model.FashionCnn.build(5);
        var card = TestModels.card(1, 28, 28, 10);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 28, 28);
        ExplainRequest request = ExplainRequest.of(x, Target.top1(), 0);
        try (CpuBackend backend = new CpuBackend(2)) {
            List<Randomisation.Step> gradient = Randomisation.run(network, card, m -> new VanillaGradient(m, backend), request, true, 9);
            List<Randomisation.Step> edges = Randomisation.run(network, card, m -> edgeDetector(28, 28), request, true, 9);
            assertEquals(List.of("logits", "fc1", "conv2", "conv1"), gradient.stream().map(Randomisation.Step::layer).toList());
            for (Randomisation.Step step : edges) {
                assertEquals(1.0, step.spearmanOfMagnitudes(), 1e-9, "an edge detector ignores the model: " + step);
                assertEquals(1.0, step.ssim(), 1e-9);
            }
            Randomisation.Step fullyRandom = gradient.get(gradient.size() - 1);
            assertTrue(fullyRandom.spearmanOfMagnitudes() < 0.9, "the gradient must change when every layer is re-drawn: " + fullyRandom);
        }
    }
}
