package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.Arrays;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Whole methods on an imported torch export against torch itself (make_method_references.py): Grad-CAM against
 * pytorch-grad-cam, Integrated Gradients against the same sum in torch autograd. Shared by the CPU test and the CUDA
 * test, so that both executors answer the same questions.
 */
final class OnnxMethodReferences {
    /** The bar for CAM maps: Pearson r and the largest difference as a share of the map's range. */
    static final double MIN_PEARSON = 0.999;
    static final double MAX_DIFFERENCE_OF_RANGE = 1e-3;
    /** make_method_references.py's IG_STEPS. */
    static final int IG_STEPS = 16;

    private OnnxMethodReferences() {
    }

    private static Heatmap explainOne(SaliencyMethod method, HostTensor input, int image) {
        int[] s = input.shape();
        int size = s[1] * s[2] * s[3];
        float[] row = Arrays.copyOfRange(input.data(), image * size, (image + 1) * size);
        return method.explain(ExplainRequest.of(Nd4j.create(row, new long[] {1, s[1], s[2], s[3]}, 'c'),
                new Target.ClassIndex(OnnxTestModels.CLASSES[image]), 17)).get(0);
    }

    /**
     * pytorch-grad-cam scales each map to [0, 1] before resizing, Heed keeps raw units; both are bilinear (half-pixel
     * centres) resizes of the same feature-resolution map, so after min-max scaling each side, they must agree.
     */
    static void checkGradCam(String name, ModelAdapter model, Backend backend, String what) throws Exception {
        HostTensor input = OnnxTestModels.npy(name + ".input.npy", OnnxTestModels.INPUT_SHAPE);
        int h = OnnxTestModels.INPUT_SHAPE[2];
        int w = OnnxTestModels.INPUT_SHAPE[3];
        float[] torch = OnnxTestModels.npy(name + ".gradcam.npy", 2, h, w).data();
        SaliencyMethod gradCam = new GradCam(model, backend, model.defaultCamLayer());
        for (int b = 0; b < 2; b++) {
            float[] ours = minMax(explainOne(gradCam, input, b).values());
            float[] theirs = minMax(Arrays.copyOfRange(torch, b * h * w, (b + 1) * h * w));
            double r = pearson(ours, theirs);
            double worst = 0;
            for (int i = 0; i < ours.length; i++) {
                worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
            }
            assertTrue(r >= MIN_PEARSON, what + " " + name + " image " + b + ": Grad-CAM Pearson r " + r + " vs pytorch-grad-cam");
            assertTrue(worst <= MAX_DIFFERENCE_OF_RANGE, what + " " + name + " image " + b + ": Grad-CAM differs by " + worst
                    + " of the range from pytorch-grad-cam");
            System.out.printf("%s %s image %d: Grad-CAM vs pytorch-grad-cam r=%.6f, largest difference %.2e of the range%n",
                    what, name, b, r, worst);
        }
    }

    /** Heed's IG map is the channel sum of the attribution; torch's attribution is summed the same way here. */
    static void checkIntegratedGradients(String name, ModelAdapter model, Backend backend, String what) throws Exception {
        HostTensor input = OnnxTestModels.npy(name + ".input.npy", OnnxTestModels.INPUT_SHAPE);
        int c = OnnxTestModels.INPUT_SHAPE[1];
        int plane = OnnxTestModels.INPUT_SHAPE[2] * OnnxTestModels.INPUT_SHAPE[3];
        float[] torch = OnnxTestModels.npy(name + ".ig.npy", OnnxTestModels.INPUT_SHAPE).data();
        SaliencyMethod ig = new IntegratedGradients(model, backend, IG_STEPS, 0);
        for (int b = 0; b < 2; b++) {
            float[] expected = new float[plane];
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    expected[p] += torch[(b * c + ch) * plane + p];
                }
            }
            int[] shape = {OnnxTestModels.INPUT_SHAPE[2], OnnxTestModels.INPUT_SHAPE[3]};
            OnnxPlanImporterTest.assertClose(what + " " + name + " image " + b + " Integrated Gradients vs torch",
                    new HostTensor(shape, expected), new HostTensor(shape, explainOne(ig, input, b).values()));
        }
    }

    private static float[] minMax(float[] v) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        assertTrue(hi > lo, "a constant map: the comparison would prove nothing");
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (v[i] - lo) / (hi - lo);
        }
        return out;
    }

    private static double pearson(float[] a, float[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
