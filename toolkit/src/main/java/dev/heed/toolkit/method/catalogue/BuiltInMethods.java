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
import dev.heed.toolkit.method.smoothing.SmoothedMaps;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;

/**
 * The methods Heed ships, one provider each, listed in this order in the toolkit's
 * {@code META-INF/services/dev.heed.toolkit.method.catalogue.MethodProvider}: the catalogue shows them in that order,
 * before any method from another jar.
 */
public final class BuiltInMethods {
    private BuiltInMethods() {
    }

    /** Simonyan et al.: the input gradient. */
    public static final class Gradient implements MethodProvider {
        @Override
        public String id() {
            return VanillaGradient.ID;
        }

        @Override
        public String paper() {
            return "Simonyan, Vedaldi, Zisserman 2014, Deep Inside Convolutional Networks (arXiv:1312.6034)";
        }

        @Override
        public List<String> settings() {
            return List.of();
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new VanillaGradient(model, backend);
        }
    }

    /** Shrikumar et al.: gradient times input. */
    public static final class GradientTimesInputs implements MethodProvider {
        @Override
        public String id() {
            return GradientTimesInput.ID;
        }

        @Override
        public String paper() {
            return "Shrikumar et al. 2016, Not Just a Black Box (arXiv:1605.01713)";
        }

        @Override
        public List<String> settings() {
            return List.of();
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new GradientTimesInput(model, backend);
        }
    }

    /**
     * Smilkov et al., around any other method: an input-attribution method's attributions are averaged before their
     * channel reduction ({@link SmoothGrad}), any other method's maps after ({@link SmoothedMaps}).
     */
    public static final class Smoothed implements MethodProvider {
        @Override
        public String id() {
            return SmoothGrad.ID;
        }

        @Override
        public String paper() {
            return "Smilkov et al. 2017, SmoothGrad: removing noise by adding noise (arXiv:1706.03825)";
        }

        @Override
        public List<String> settings() {
            return List.of("smoothed", "samples", "noiseLevel");
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            MethodCatalogue inner = MethodCatalogue.fromId(s.smoothed());
            if (inner.id().equals(SmoothGrad.ID)) {
                throw new IllegalArgumentException("SmoothGrad cannot average itself; choose another method to smooth");
            }
            SaliencyMethod method = inner.create(model, backend, s);
            return method instanceof AttributionMethod attribution
                    ? new SmoothGrad(attribution, s.samples(), s.noiseLevel())
                    : new SmoothedMaps(method, model, s.samples(), s.noiseLevel());
        }
    }

    /** Sundararajan et al.: Integrated Gradients. */
    public static final class Integrated implements MethodProvider {
        @Override
        public String id() {
            return IntegratedGradients.ID;
        }

        @Override
        public String paper() {
            return "Sundararajan, Taly, Yan 2017, Axiomatic Attribution for Deep Networks (arXiv:1703.01365)";
        }

        @Override
        public List<String> settings() {
            return List.of("steps", "baseline");
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new IntegratedGradients(model, backend, s.steps(), s.baseline());
        }
    }

    /** Springenberg et al.: guided backpropagation. */
    public static final class Guided implements MethodProvider {
        @Override
        public String id() {
            return GuidedBackprop.ID;
        }

        @Override
        public String paper() {
            return "Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net (arXiv:1412.6806)";
        }

        @Override
        public List<String> settings() {
            return List.of();
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new GuidedBackprop(model, backend);
        }
    }

    /** Selvaraju et al.: Grad-CAM. */
    public static final class Cam implements MethodProvider {
        @Override
        public String id() {
            return GradCam.ID;
        }

        @Override
        public String paper() {
            return "Selvaraju et al. 2017, Grad-CAM (arXiv:1610.02391)";
        }

        @Override
        public List<String> settings() {
            return List.of("layer");
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new GradCam(model, backend, s.layer());
        }
    }

    /** Chattopadhay et al.: Grad-CAM++. */
    public static final class CamPlusPlus implements MethodProvider {
        @Override
        public String id() {
            return GradCamPlusPlus.ID;
        }

        @Override
        public String paper() {
            return "Chattopadhay et al. 2018, Grad-CAM++ (arXiv:1710.11063)";
        }

        @Override
        public List<String> settings() {
            return List.of("layer");
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            return new GradCamPlusPlus(model, backend, s.layer());
        }
    }

    /**
     * Zeiler and Fergus: occlusion. The window defaults to a seventh of the input side and the stride to half the
     * window (at least 1 each) when the settings leave them 0: 13x13 positions whatever the input size.
     */
    public static final class Occlusions implements MethodProvider {
        @Override
        public String id() {
            return Occlusion.ID;
        }

        @Override
        public String paper() {
            return "Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks (arXiv:1311.2901)";
        }

        @Override
        public List<String> settings() {
            return List.of("window", "stride", "baseline");
        }

        @Override
        public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings s) {
            int side = Math.min(model.inputShape()[1], model.inputShape()[2]);
            int window = s.window() > 0 ? s.window() : Math.max(1, side / 7);
            int stride = s.stride() > 0 ? s.stride() : Math.max(1, window / 2);
            return new Occlusion(model, backend, window, stride, s.baseline());
        }
    }
}
