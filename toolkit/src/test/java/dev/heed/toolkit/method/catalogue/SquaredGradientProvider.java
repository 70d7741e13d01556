package dev.heed.toolkit.method.catalogue;

import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ChannelReduction;
import dev.heed.toolkit.method.gradient.AttributionMethod;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A method defined outside the toolkit's main code, as a user's own jar would define one: the squared input gradient,
 * summed over channels. Registered in this module's test resources, so every front end under test must offer it.
 */
public final class SquaredGradientProvider implements MethodProvider {
    public static final String ID = "test-squared-gradient";

    /** The method itself: everything but the attribution comes from {@link AttributionMethod}. */
    static final class SquaredGradient extends AttributionMethod {
        SquaredGradient(ModelAdapter model, Backend backend) {
            super(model, backend);
        }

        @Override
        public Attribution attribute(INDArray inputs, int[] classes, long[] seeds) {
            INDArray g = inputGradient(model, inputs, classes);
            return new Attribution(g.mul(g), Map.of());
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
            return Map.of("reduction", "sum");
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String paper() {
        return "a user's own method, defined in Heed's test code (2026)";
    }

    @Override
    public List<String> settings() {
        return List.of();
    }

    @Override
    public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings settings) {
        return new SquaredGradient(model, backend);
    }
}
