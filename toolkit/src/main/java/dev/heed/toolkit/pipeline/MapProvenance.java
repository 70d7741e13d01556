package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.io.OrderedMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The provenance sidecar of one map ({@code <stem>.<method>.c<class>-<name>.json}), typed: everything needed to redo
 * or judge the map. {@link #toJson()} is the one place its layout is written.
 */
public record MapProvenance(Input input, Model model, Resize resize, Method method, String layer, TargetEntry target, MapEntry map,
                            Rendering rendering, String backend, String modelPass, long baseSeed, long imageSeed,
                            Map<String, Double> diagnostics, Trust trust) {

    /** The input file as read. */
    public record Input(String file, int width, int height, List<String> conversions) {
    }

    /**
     * The model: file, hash, description, input shape and pixel scale; for formats other than DL4J, the format and how
     * pixels became its input (null for DL4J, whose sidecars keep their earlier layout).
     */
    public record Model(String file, String sha256Prefix, String description, List<Integer> inputShape, double pixelScale,
                        String format, Map<String, Object> inputPreparation) {
    }

    /** How the image became the model's input size, and the whole factor it was scaled by for display. */
    public record Resize(String policy, List<Integer> region, int displayScale) {
    }

    public record Method(String id, String paper, Map<String, Object> parameters) {
    }

    public record TargetEntry(String requested, int classIndex, String className, double logit) {
    }

    /** The raw map file and its statistics, in method units at model input resolution. */
    public record MapEntry(String file, int height, int width, boolean signed, double min, double max) {
    }

    /** How the overlay was drawn. */
    public record Rendering(String normalization, double lo, double hi, String colormap, double alpha, String overlay) {
    }

    /** The per-map trust block of {@code heed overlay --trust}. */
    public record Trust(Map<String, Double> checks, int deletionInsertionSteps, double baseline, List<String> required) {
    }

    public Map<String, Object> toJson() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("heedVersion", Version.VERSION);
        p.put("input", OrderedMap.of("file", input.file(), "width", input.width(), "height", input.height(), "conversions",
                input.conversions()));
        Map<String, Object> m = OrderedMap.of("file", model.file(), "sha256Prefix", model.sha256Prefix(), "description",
                model.description(), "inputShape", model.inputShape(), "pixelScale", model.pixelScale());
        if (model.format() != null) {
            m.put("format", model.format());
            m.put("inputPreparation", model.inputPreparation());
        }
        p.put("model", m);
        p.put("resize", OrderedMap.of("policy", resize.policy(), "region", resize.region(), "displayScale", resize.displayScale()));
        p.put("method", OrderedMap.of("id", method.id(), "paper", method.paper(), "parameters", OrderedMap.sorted(method.parameters())));
        p.put("layer", layer);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("requested", target.requested());
        t.put("classIndex", target.classIndex());
        t.put("className", target.className());
        t.put("logit", target.logit());
        p.put("target", t);
        p.put("map", OrderedMap.of("file", map.file(), "height", map.height(), "width", map.width(), "signed", map.signed(),
                "min", map.min(), "max", map.max(), "units", "raw method units at model input resolution"));
        p.put("normalization", OrderedMap.of("mode", rendering.normalization(), "lo", rendering.lo(), "hi", rendering.hi()));
        p.put("colormap", rendering.colormap());
        p.put("alpha", rendering.alpha());
        p.put("overlay", rendering.overlay());
        p.put("backend", backend);
        p.put("modelPass", modelPass);
        p.put("seed", OrderedMap.of("base", baseSeed, "image", imageSeed));
        p.put("diagnostics", OrderedMap.sorted(diagnostics));
        if (trust != null) {
            p.put("trust", OrderedMap.of("checks", trust.checks(), "deletionInsertionSteps", trust.deletionInsertionSteps(),
                    "baseline", trust.baseline(), "required", trust.required()));
        }
        return p;
    }
}
