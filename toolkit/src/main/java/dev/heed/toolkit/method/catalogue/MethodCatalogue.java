package dev.heed.toolkit.method.catalogue;

import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Every method the front ends offer: what the {@link MethodProvider}s on the class path say, Heed's own first (in
 * their services file's order), then the others by id. The command line maps a method id to a provider here, once;
 * tests walk the same list so that every method is enrolled in the shared tests.
 */
public final class MethodCatalogue {
    private static final List<MethodCatalogue> ALL = load();

    public static final MethodCatalogue GRADIENT = fromId("gradient");
    public static final MethodCatalogue GRADIENT_TIMES_INPUT = fromId("gradxinput");
    public static final MethodCatalogue SMOOTHGRAD = fromId("smoothgrad");
    public static final MethodCatalogue INTEGRATED_GRADIENTS = fromId("integrated-gradients");
    public static final MethodCatalogue GUIDED_BACKPROP = fromId("guided-backprop");
    public static final MethodCatalogue GRADCAM = fromId("gradcam");
    public static final MethodCatalogue GRADCAM_PLUS_PLUS = fromId("gradcam++");
    public static final MethodCatalogue OCCLUSION = fromId("occlusion");

    /**
     * The knobs a method may read; each method takes only the ones it names in {@link MethodProvider#settings()}.
     * {@code smoothed} is the id of the method SmoothGrad averages. {@link #DEFAULTS} is the one place for defaults;
     * a front end changes only what its user set.
     *
     * @param layer CAM layer, or null for the model's last spatial layer
     * @param window occlusion window side in input pixels, 0 for a seventh of the input side
     * @param stride occlusion stride, 0 for half the window
     */
    public record Settings(String layer, int samples, double noiseLevel, int steps, double baseline, int window, int stride,
                           String smoothed) {
        public static final Settings DEFAULTS = new Settings(null, 25, 0.15, 32, 0.0, 0, 0, "gradient");

        public Settings withLayer(String value) {
            return new Settings(value, samples, noiseLevel, steps, baseline, window, stride, smoothed);
        }

        public Settings withSamples(int value) {
            return new Settings(layer, value, noiseLevel, steps, baseline, window, stride, smoothed);
        }

        public Settings withNoiseLevel(double value) {
            return new Settings(layer, samples, value, steps, baseline, window, stride, smoothed);
        }

        public Settings withSteps(int value) {
            return new Settings(layer, samples, noiseLevel, value, baseline, window, stride, smoothed);
        }

        public Settings withBaseline(double value) {
            return new Settings(layer, samples, noiseLevel, steps, value, window, stride, smoothed);
        }

        public Settings withWindow(int value) {
            return new Settings(layer, samples, noiseLevel, steps, baseline, value, stride, smoothed);
        }

        public Settings withStride(int value) {
            return new Settings(layer, samples, noiseLevel, steps, baseline, window, value, smoothed);
        }

        public Settings withSmoothed(String value) {
            return new Settings(layer, samples, noiseLevel, steps, baseline, window, stride, value);
        }
    }

    private final MethodProvider provider;

    private MethodCatalogue(MethodProvider provider) {
        this.provider = provider;
    }

    private static List<MethodCatalogue> load() {
        List<MethodProvider> builtIn = new ArrayList<>();
        List<MethodProvider> others = new ArrayList<>();
        for (MethodProvider p : ServiceLoader.load(MethodProvider.class, MethodCatalogue.class.getClassLoader())) {
            (p.getClass().getEnclosingClass() == BuiltInMethods.class ? builtIn : others).add(p);
        }
        // Heed's in its services file's order, whatever jar the class path lists first (Maven puts test classes first).
        List<String> order = List.of("gradient", "gradxinput", "smoothgrad", "integrated-gradients", "guided-backprop", "gradcam",
                "gradcam++", "occlusion");
        builtIn.sort(Comparator.comparingInt(p -> order.indexOf(p.id())));
        others.sort(Comparator.comparing(MethodProvider::id));
        Map<String, MethodProvider> seen = new HashMap<>();
        List<MethodCatalogue> all = new ArrayList<>();
        for (MethodProvider p : concat(builtIn, others)) {
            MethodProvider earlier = seen.putIfAbsent(p.id(), p);
            if (earlier != null) {
                throw new IllegalStateException("two methods claim the id '" + p.id() + "': " + earlier.getClass().getName() + " and "
                        + p.getClass().getName());
            }
            all.add(new MethodCatalogue(p));
        }
        return List.copyOf(all);
    }

    private static List<MethodProvider> concat(List<MethodProvider> a, List<MethodProvider> b) {
        List<MethodProvider> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    public String id() {
        return provider.id();
    }

    public String paper() {
        return provider.paper();
    }

    /** The settings the method reads. */
    public List<String> settings() {
        return provider.settings();
    }

    /** Creates the method; a provider whose method reports another id is a bug in that provider, named here. */
    public SaliencyMethod create(ModelAdapter model, Backend backend, Settings settings) {
        SaliencyMethod method = provider.create(model, backend, settings);
        if (!method.id().equals(provider.id())) {
            throw new IllegalStateException(provider.getClass().getName() + " offers '" + provider.id() + "' but made a method with id '"
                    + method.id() + "'");
        }
        return method;
    }

    public static MethodCatalogue fromId(String id) {
        return ALL.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown method '" + id + "'; valid: " + ids()));
    }

    public static String ids() {
        return ALL.stream().map(MethodCatalogue::id).collect(Collectors.joining(", "));
    }

    public static List<MethodCatalogue> all() {
        return ALL;
    }

    @Override
    public String toString() {
        return id();
    }
}
