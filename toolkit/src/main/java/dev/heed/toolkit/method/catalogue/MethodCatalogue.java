package dev.heed.toolkit.method.catalogue;

import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.cam.GradCamPlusPlus;
import dev.heed.toolkit.method.gradient.AttributionMethod;
import dev.heed.toolkit.method.gradient.GradientTimesInput;
import dev.heed.toolkit.method.gradient.GuidedBackprop;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.method.perturbation.Occlusion;
import dev.heed.toolkit.method.smoothing.SmoothGrad;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every method Heed ships, with its paper. The command line maps a method id to a type here, once; tests walk the
 * same list so that every method is enrolled in the shared tests.
 */
public enum MethodCatalogue {
    GRADIENT("gradient", "Simonyan, Vedaldi, Zisserman 2014, Deep Inside Convolutional Networks (arXiv:1312.6034)"),
    GRADIENT_TIMES_INPUT("gradxinput", "Shrikumar et al. 2016, Not Just a Black Box (arXiv:1605.01713)"),
    SMOOTHGRAD("smoothgrad", "Smilkov et al. 2017, SmoothGrad: removing noise by adding noise (arXiv:1706.03825)"),
    INTEGRATED_GRADIENTS("integrated-gradients", "Sundararajan, Taly, Yan 2017, Axiomatic Attribution for Deep Networks (arXiv:1703.01365)"),
    GUIDED_BACKPROP("guided-backprop", "Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net (arXiv:1412.6806)"),
    GRADCAM("gradcam", "Selvaraju et al. 2017, Grad-CAM (arXiv:1610.02391)"),
    GRADCAM_PLUS_PLUS("gradcam++", "Chattopadhay et al. 2018, Grad-CAM++ (arXiv:1710.11063)"),
    OCCLUSION("occlusion", "Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (arXiv:1311.2901)");

    /**
     * The knobs a method may read; each method takes only the ones it needs. {@code smoothed} is the method SmoothGrad
     * averages (any input-attribution method).
     */
    public record Settings(String layer, int samples, double noiseLevel, int steps, double baseline, int window, int stride,
                           MethodCatalogue smoothed) {
    }

    private final String id;
    private final String paper;

    MethodCatalogue(String id, String paper) {
        this.id = id;
        this.paper = paper;
    }

    public String id() {
        return id;
    }

    public String paper() {
        return paper;
    }

    /**
     * Creates the method. Occlusion's window defaults to a seventh of the input side and its stride to half the
     * window (at least 1 each) when the settings leave them 0: 13x13 positions whatever the input size.
     */
    public SaliencyMethod create(ModelAdapter model, Backend backend, Settings s) {
        return switch (this) {
            case GRADIENT -> new VanillaGradient(model, backend);
            case GRADIENT_TIMES_INPUT -> new GradientTimesInput(model, backend);
            case SMOOTHGRAD -> new SmoothGrad(attributionMethod(s.smoothed(), model, backend, s), s.samples(), s.noiseLevel());
            case INTEGRATED_GRADIENTS -> new IntegratedGradients(model, backend, s.steps(), s.baseline());
            case GUIDED_BACKPROP -> new GuidedBackprop(model, backend);
            case GRADCAM -> new GradCam(model, backend, s.layer());
            case GRADCAM_PLUS_PLUS -> new GradCamPlusPlus(model, backend, s.layer());
            case OCCLUSION -> {
                int side = Math.min(model.inputShape()[1], model.inputShape()[2]);
                int window = s.window() > 0 ? s.window() : Math.max(1, side / 7);
                int stride = s.stride() > 0 ? s.stride() : Math.max(1, window / 2);
                yield new Occlusion(model, window, stride, s.baseline());
            }
        };
    }

    /** The input-attribution method SmoothGrad can wrap; the others are refused with the list of those it can. */
    private static AttributionMethod attributionMethod(MethodCatalogue m, ModelAdapter model, Backend backend, Settings s) {
        if (m != SMOOTHGRAD && m.create(model, backend, s) instanceof AttributionMethod attribution) {
            return attribution;
        }
        throw new IllegalArgumentException("SmoothGrad can average gradient, gradxinput, integrated-gradients or guided-backprop, not " + m.id());
    }

    public static MethodCatalogue fromId(String id) {
        return Arrays.stream(values()).filter(m -> m.id.equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown method '" + id + "'; valid: " + ids()));
    }

    public static String ids() {
        return Arrays.stream(values()).map(MethodCatalogue::id).collect(Collectors.joining(", "));
    }

    public static List<MethodCatalogue> all() {
        return List.of(values());
    }
}
