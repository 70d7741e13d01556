package dev.heed.toolkit.method.cam;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.model.ModelAdapter;

/**
 * Grad-CAM: channel weights are the spatial mean of the class-score gradient (Selvaraju et al., 2017, "Grad-CAM:
 * Visual Explanations from Deep Networks via Gradient-based Localization").
 */
public final class GradCam extends CamMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "gradcam";

    public GradCam(ModelAdapter model, Backend backend, String layer) {
        super(model, backend, layer);
    }

    @Override
    protected ResidentArray channelWeights(ResidentArray activations, ResidentArray gradients) {
        return backend.channelMeans(gradients);
    }

    @Override
    public String id() {
        return ID;
    }
}
