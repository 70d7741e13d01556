package dev.heed.toolkit.cli;

import dev.heed.toolkit.method.catalogue.MethodCatalogue;
import picocli.CommandLine.Option;

/**
 * The settings of the catalogue's saliency methods as options, with the catalogue's defaults: for any front end that
 * runs one method over images ({@code heed overlay}, a batch job of its own).
 */
public final class MethodSettingsMixin {
    @Option(names = "--layer", description = "CAM layer by name (default: the last layer with a spatial output)")
    public String layer;

    @Option(names = "--samples", description = "SmoothGrad: noisy samples (default: ${DEFAULT-VALUE})")
    public int samples = MethodCatalogue.Settings.DEFAULTS.samples();

    @Option(names = "--smooth", description = "SmoothGrad: the method it averages, any but smoothgrad (input-attribution methods are averaged before their channel reduction, CAMs and occlusion map by map) (default: ${DEFAULT-VALUE})")
    public String smooth = MethodCatalogue.Settings.DEFAULTS.smoothed();

    @Option(names = "--noise", description = "SmoothGrad: noise sigma as a fraction of the input range (default: ${DEFAULT-VALUE})")
    public double noise = MethodCatalogue.Settings.DEFAULTS.noiseLevel();

    @Option(names = "--steps", description = "Integrated Gradients: integration steps (default: ${DEFAULT-VALUE})")
    public int steps = MethodCatalogue.Settings.DEFAULTS.steps();

    @Option(names = "--baseline", description = "Integrated Gradients and occlusion: baseline input value, after pixel scaling (default: ${DEFAULT-VALUE})")
    public double baseline = MethodCatalogue.Settings.DEFAULTS.baseline();

    @Option(names = "--window", description = "occlusion: window side in model-input pixels, >= 1 (default: side/7)")
    public Integer window;

    @Option(names = "--stride", description = "occlusion: stride in model-input pixels, >= 1 (default: window/2)")
    public Integer stride;

    /** The settings; a bad value is an IllegalArgumentException naming the option. */
    public MethodCatalogue.Settings settings() {
        // Unset means "the default"; an explicit 0 is a mistake, not a request for the default.
        if (window != null && window < 1) {
            throw new IllegalArgumentException("--window must be at least 1 pixel, got " + window);
        }
        if (stride != null && stride < 1) {
            throw new IllegalArgumentException("--stride must be at least 1 pixel, got " + stride);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("--noise must be >= 0, got " + noise);
        }
        return MethodCatalogue.Settings.DEFAULTS.withLayer(layer).withSamples(samples).withNoiseLevel(noise)
                .withSteps(steps).withBaseline(baseline).withWindow(window == null ? 0 : window).withStride(stride == null ? 0 : stride)
                .withSmoothed(MethodCatalogue.fromId(smooth).id());
    }
}
