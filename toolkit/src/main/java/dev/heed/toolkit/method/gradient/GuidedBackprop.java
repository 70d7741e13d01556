package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The input gradient with every ReLU passing back only positive gradients at positive inputs, shown as
 * {@code max_c |g|} (Springenberg et al., 2015, "Striving for Simplicity: The All Convolutional Net").
 */
public final class GuidedBackprop extends AttributionMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "guided-backprop";

    private final ModelAdapter guided;

    public GuidedBackprop(ModelAdapter model, Backend backend) {
        super(model, backend);
        this.guided = model.guided();
    }

    @Override
    public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
        return new Attribution(inputGradient(guided, inputs, classes), Map.of());
    }

    /** The gradient as the pass hands it to {@code scope}: on the CUDA engine and backend it stays on the GPU. */
    @Override
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        return new ResidentAttribution(inputGradient(guided, inputs, classes, scope), Map.of());
    }

    @Override
    public ResidentAttribution attribute(ResidentArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        return new ResidentAttribution(inputGradient(guided, inputs, classes, scope), Map.of());
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
