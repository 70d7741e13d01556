package dev.heed.toolkit.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.cam.GradCamPlusPlus;
import dev.heed.toolkit.model.Dl4jModel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grad-CAM and Grad-CAM++ on {@link TestModels#handBuiltCamNet()}, against maps worked out by hand.
 *
 * <p>The input is 4x4 with 2x2 block sums {@code s = [[1, 2], [3, -4]]} (block (0,0) holds 0.25 four times, and so on).
 * Conv channel 0 gives {@code A0 = s}, channel 1 gives {@code A1 = 2s}. The logit of class c is
 * {@code sum_k W[k][c] mean(A_k)}, so its gradient at every position of channel k is {@code W[k][c] / 4}.
 */
class GradCamHandComputedTest {
    private final CpuBackend backend = new CpuBackend(2);
    private final Dl4jModel model = Dl4jModel.of(TestModels.handBuiltCamNet(), TestModels.card(1, 4, 4, 2), "hand");

    @AfterEach
    void close() {
        backend.close();
    }

    private static ExplainRequest request(int cls) {
        double[][] x = {
            {0.25, 0.25, 0.5, 0.5},
            {0.25, 0.25, 0.5, 0.5},
            {0.75, 0.75, -1, -1},
            {0.75, 0.75, -1, -1}};
        return ExplainRequest.of(Nd4j.create(x).reshape(1, 1, 4, 4), new Target.ClassIndex(cls), 0);
    }

    /** Bilinear 2x2 -> 4x4 with half-pixel centres: source rows/cols sit at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1). */
    private static final double[][] UP = {{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}};

    private static float[] upsample(double[][] cam) {
        float[] out = new float[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                double v = 0;
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        v += UP[y][i] * UP[x][j] * cam[i][j];
                    }
                }
                out[y * 4 + x] = (float) v;
            }
        }
        return out;
    }

    @Test
    void gradCamClass0() {
        // weights: a0 = 1/4, a1 = 0.5/4; CAM = relu(a0 s + a1 2s) = relu(s / 2) = [[0.5, 1], [1.5, 0]]
        List<Heatmap> maps = new GradCam(model, backend, null).explain(request(0));
        assertEquals(1, maps.size());
        assertArrayEquals(upsample(new double[][] {{0.5, 1}, {1.5, 0}}), maps.get(0).values(), 1e-6f);
    }

    @Test
    void gradCamClass1KeepsOnlyPositiveEvidence() {
        // weights: a0 = -1/4, a1 = 0.25/4; CAM = relu(-s/4 + s/8) = relu(-s/8) = [[0, 0], [0, 0.5]]
        List<Heatmap> maps = new GradCam(model, backend, "conv").explain(request(1));
        assertArrayEquals(upsample(new double[][] {{0, 0}, {0, 0.5}}), maps.get(0).values(), 1e-6f);
    }

    @Test
    void gradCamPlusPlusClass0() {
        // Constant gradient g_k per channel: alpha_k = g^2 / (2 g^2 + S_k g^3) with S_k = sum of A_k = 2 (channel 0)
        // and 4 (channel 1); w_k = 4 alpha_k relu(g_k).
        double g0 = 0.25;
        double g1 = 0.125;
        double w0 = 4 * (g0 * g0 / (2 * g0 * g0 + 2 * g0 * g0 * g0)) * g0;
        double w1 = 4 * (g1 * g1 / (2 * g1 * g1 + 4 * g1 * g1 * g1)) * g1;
        double[][] s = {{1, 2}, {3, -4}};
        double[][] cam = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                cam[i][j] = Math.max(0, w0 * s[i][j] + w1 * 2 * s[i][j]);
            }
        }
        List<Heatmap> maps = new GradCamPlusPlus(model, backend, null).explain(request(0));
        assertArrayEquals(upsample(cam), maps.get(0).values(), 1e-6f);
    }
}
