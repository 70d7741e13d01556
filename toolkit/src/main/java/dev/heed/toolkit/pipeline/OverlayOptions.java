package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Normalization;
import dev.heed.toolkit.trust.MapChecks;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything an overlay job needs, parsed and checked ({@code heed overlay}'s options): the one description that the
 * single-machine job and the Spark job both run from.
 */
public record OverlayOptions(Path model, ModelOptions modelOptions, MethodCatalogue method, MethodCatalogue.Settings settings,
                             Target target, List<Path> inputs, Path output, Colormap colormap, double alpha,
                             Normalization normalization, int batchSize, int threads, String backend, long seed, boolean force,
                             ModelInput.Resize resize, int minDisplaySide, boolean terminal, boolean trust,
                             List<MapChecks.Requirement> requirements, String precision) {

    /**
     * The same job reading {@code model} and writing to {@code output} on {@code backend}: a Spark executor runs the
     * user's options against its local copy of the model and its local staging folder.
     */
    public OverlayOptions relocated(Path model, Path output, String backend) {
        return new OverlayOptions(model, modelOptions, method, settings, target, inputs, output, colormap, alpha, normalization, batchSize,
                threads, backend, seed, force, resize, minDisplaySide, terminal, trust, requirements, precision);
    }
}
