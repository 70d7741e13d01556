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
    /** make_method_references.py's CAM layer where it is not the model's last spatial one (see that script). */
    static final java.util.Map<String, String> CAM_LAYERS = java.util.Map.of("mobilenet_v2_w025", "/features/features.17/conv/conv.2/Conv");
    /** make_method_references.py's IG_STEPS. */
    static final int IG_STEPS = 16;

    private OnnxMethodReferences() {
    }

    /** The input batch [2, 3, side, side] that make_models.py wrote for {@code name} (32 or 64 pixels a side). */
    static HostTensor input(String name) throws Exception {
        float[] values = dev.heed.toolkit.io.Npy.read(OnnxTestModels.resource(name + ".input.npy"));
        int side = (int) Math.round(Math.sqrt(values.length / 6.0));
        return new HostTensor(new int[] {2, 3, side, side}, values);
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
        HostTensor input = input(name);
        int h = input.shape()[2];
        int w = input.shape()[3];
        float[] torch = OnnxTestModels.npy(name + ".gradcam.npy", 2, h, w).data();
        SaliencyMethod gradCam = new GradCam(model, backend, CAM_LAYERS.getOrDefault(name, model.defaultCamLayer()));
        int compared = 0;
        for (int b = 0; b < 2; b++) {
            float[] raw = explainOne(gradCam, input, b).values();
            float[] reference = Arrays.copyOfRange(torch, b * h * w, (b + 1) * h * w);
            if (isConstant(reference)) {
                // ReLU removed every weighted sum in torch; Heed must have removed them all too.
                for (float v : raw) {
                    assertTrue(v == 0, what + " " + name + " image " + b + ": pytorch-grad-cam's map is all zero, Heed's has " + v);
                }
                continue;
            }
            float[] ours = minMax(raw);
            float[] theirs = minMax(reference);
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
            compared++;
        }
        assertTrue(compared > 0, name + ": every reference map is constant; the comparison would prove nothing");
    }

    private static boolean isConstant(float[] v) {
        for (float x : v) {
            if (x != v[0]) {
                return false;
            }
        }
        return true;
    }

    /** Heed's IG map is the channel sum of the attribution; torch's attribution is summed the same way here. */
    static void checkIntegratedGradients(String name, ModelAdapter model, Backend backend, String what) throws Exception {
        HostTensor input = input(name);
        int c = input.shape()[1];
        int plane = input.shape()[2] * input.shape()[3];
        float[] torch = OnnxTestModels.npy(name + ".ig.npy", input.shape()).data();
        SaliencyMethod ig = new IntegratedGradients(model, backend, IG_STEPS, 0);
        for (int b = 0; b < 2; b++) {
            float[] expected = new float[plane];
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    expected[p] += torch[(b * c + ch) * plane + p];
                }
            }
            int[] shape = {input.shape()[2], input.shape()[3]};
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
