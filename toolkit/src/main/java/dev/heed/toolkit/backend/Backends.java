package dev.heed.toolkit.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Finds backends and chooses one. {@code auto} takes the highest-ranked available backend and reports the choice and
 * every skipped backend with its reason; a backend asked for by name that cannot run is an error, never a silent
 * fallback.
 */
public final class Backends {
    private Backends() {
    }

    public static List<BackendProvider> providers() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(found::add);
        found.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        return found;
    }

    /**
     * A {@code --backend} value: {@code auto} or a provider id, optionally with a device ordinal after a colon
     * ({@code cuda:1}, {@code auto:1}: device 1 of the backend chosen), as torch spells devices.
     */
    public record Choice(String name, int device) {
        public static Choice parse(String choice) {
            int colon = choice.indexOf(':');
            if (colon < 0) {
                return new Choice(choice, 0);
            }
            String ordinal = choice.substring(colon + 1);
            if (!ordinal.matches("[0-9]{1,4}")) {
                throw new IllegalArgumentException("backend '" + choice + "': the device after ':' must be a number, e.g. cuda:1");
            }
            return new Choice(choice.substring(0, colon), Integer.parseInt(ordinal));
        }
    }

    /**
     * Creates the backend named by {@code choice} ({@code auto} or a provider id, each optionally with {@code :N} for
     * device N); {@code log} receives one line per decision.
     */
    public static Backend open(String choice, int threads, Consumer<String> log) {
        Choice parsed = Choice.parse(choice);
        int device = parsed.device();
        String on = device == 0 ? "" : " device " + device;
        List<BackendProvider> providers = providers();
        if (parsed.name().equals("auto")) {
            for (BackendProvider p : providers) {
                BackendProvider.Probe probe = p.probe(device);
                if (probe.available()) {
                    log.accept("backend: " + p.id() + on + " (" + probe.reason() + ")");
                    return p.create(threads, device);
                }
                log.accept("backend: skipped " + p.id() + on + ": " + probe.reason());
            }
            throw new IllegalStateException("no backend is available");
        }
        for (BackendProvider p : providers) {
            if (p.id().equals(parsed.name())) {
                BackendProvider.Probe probe = p.probe(device);
                if (!probe.available()) {
                    throw new IllegalStateException("backend '" + choice + "' is not available: " + probe.reason());
                }
                log.accept("backend: " + p.id() + on + " (" + probe.reason() + ")");
                return p.create(threads, device);
            }
        }
        String valid = providers.stream().map(BackendProvider::id).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown backend '" + choice + "'; valid: auto, " + valid + " (cuda:N for device N)");
    }
}
