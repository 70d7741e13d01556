package dev.heed.toolkit.method.gradient;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The input times the gradient of the class score, summed over channels, signed (Shrikumar et al., 2016, "Not Just a
 * Black Box: Learning Important Features Through Propagating Activation Differences").
 */
public final class GradientTimesInput extends AttributionMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "gradxinput";

    public GradientTimesInput(ModelAdapter model, Backend backend) {
        super(model, backend);
    }

    @Override
    public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
        INDArray gradient = inputGradient(model, inputs, classes);
        return new Attribution(gradient.muli(inputs.castTo(gradient.dataType())), Map.of());
    }

    /** The gradient (as the pass hands it to {@code scope}) times the input, multiplied on the backend. */
    @Override
    public ResidentAttribution attribute(INDArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        // the input goes up once, for the pass and for the product
        ResidentArray x = ModelPass.upload(inputs, scope);
        ResidentAttribution attribution = attribute(x, classes, seeds, scope);
        scope.release(x);
        return attribution;
    }

    @Override
    public ResidentAttribution attribute(ResidentArray inputs, int[] classes, long[] seeds, ArrayScope scope) {
        ResidentArray gradient = inputGradient(model, inputs, classes, scope);
        ResidentArray product = backend.multiply(gradient, inputs);
        scope.release(gradient); // SmoothGrad calls this once per pass of noisy copies
        return new ResidentAttribution(product, Map.of());
    }

    @Override
    public ChannelReduction reduction() {
        return ChannelReduction.SUM;
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
