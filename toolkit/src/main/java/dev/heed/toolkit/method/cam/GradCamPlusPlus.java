package dev.heed.toolkit.method.cam;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.model.ModelAdapter;

/**
 * Grad-CAM++: channel weights sum the positive gradients, each weighted by {@code alpha = g^2 / (2 g^2 + sum A g^3)}
 * (Chattopadhay et al., 2018, "Grad-CAM++: Generalized Gradient-based Visual Explanations"; the closed form assumes
 * an exponential of the score, as in the paper).
 */
public final class GradCamPlusPlus extends CamMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "gradcam++";

    public GradCamPlusPlus(ModelAdapter model, Backend backend, String layer) {
        super(model, backend, layer);
    }

    @Override
    protected ResidentArray channelWeights(ResidentArray activations, ResidentArray gradients) {
        return backend.gradCamPlusPlusWeights(activations, gradients);
    }

    @Override
    public String id() {
        return ID;
    }
}
