package dev.heed.toolkit.method.catalogue;

import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;

/**
 * A saliency method as the front ends offer it, found with {@link java.util.ServiceLoader} like a backend: list the
 * implementing class in {@code META-INF/services/dev.heed.toolkit.method.catalogue.MethodProvider} of your jar, and
 * the method shows up in {@code heed methods}, {@code heed overlay --method}, {@code heed trust} and the viewer.
 * Implementations need a public no-argument constructor.
 */
public interface MethodProvider {

    /** The id used on the command line and in provenance; it must be the id the created method reports. */
    String id();

    /** The paper (or other source) the method follows, for {@code heed methods} and provenance. */
    String paper();

    /** The names of the {@link MethodCatalogue.Settings} the method reads, for {@code heed methods}. */
    List<String> settings();

    /** Creates the method on {@code model} and {@code backend} with the settings it reads. */
    SaliencyMethod create(ModelAdapter model, Backend backend, MethodCatalogue.Settings settings);
}
