package dev.heed.toolkit.api;

import java.util.List;
import java.util.Map;

/**
 * Every saliency method answers one verb: {@link #explain}. Configuration goes in the constructor; what changes per
 * call goes in the request. Implementations never modify the request's inputs.
 */
public interface SaliencyMethod {

    /** Maps for every image in the request and every class its target resolves to, image-major. */
    List<Heatmap> explain(ExplainRequest request);

    /** The short id used on the command line and in provenance, e.g. {@code gradcam}. */
    String id();

    /** The parameters that shaped the maps, recorded in provenance. */
    Map<String, Object> parameters();

    /** The layer a method reads from, or {@code "input"} for methods working in input space. */
    default String layer() {
        return "input";
    }
}
