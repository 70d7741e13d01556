package dev.heed.viewer;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.method.catalogue.MethodProvider;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;
import java.util.Map;

/** A method from outside the toolkit, registered in the viewer's test resources: the vanilla gradient under its own id. */
public final class RenamedGradientProvider implements MethodProvider {
    static final String ID = "test-viewer-gradient";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String paper() {
        return "a user's method in the viewer's test code (2026)";
    }

    @Override
    public List<String> settings() {
        return List.of();
    }

    @Override
    public SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings settings) {
        SaliencyMethod gradient = new VanillaGradient(model, backend);
        return new SaliencyMethod() {
            @Override
            public List<Heatmap> explain(ExplainRequest request) {
                return gradient.explain(request);
            }

            @Override
            public String id() {
                return ID;
            }

            @Override
            public Map<String, Object> parameters() {
                return gradient.parameters();
            }
        };
    }
}
