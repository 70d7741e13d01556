package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient of the class score with respect to the input, as a map of {@code max_c |dS/dx|} (Simonyan, Vedaldi,
 * Zisserman, 2014, "Deep Inside Convolutional Networks").
 */
public final class VanillaGradient extends AttributionMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "gradient";

    public VanillaGradient(ModelAdapter model, Backend backend) {
        super(model, backend);
    }

    @Override
    public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
        return new Attribution(inputGradient(model, inputs, classes), Map.of());
    }

    /** The gradient as the pass hands it to {@code scope}: on the CUDA engine and backend it stays on the GPU. */
    @Override
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        return new ResidentAttribution(inputGradient(model, inputs, classes, scope), Map.of());
    }

    @Override
    public ResidentAttribution attribute(ResidentArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        return new ResidentAttribution(inputGradient(model, inputs, classes, scope), Map.of());
    }

    @Override
    public ChannelReduction reduction() {
        return ChannelReduction.MAX_ABS;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("reduction", reduction().name().toLowerCase());
    }
}
