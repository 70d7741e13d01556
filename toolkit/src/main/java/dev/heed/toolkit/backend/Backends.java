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

    /** Creates the backend named by {@code choice} ({@code auto} or a provider id); {@code log} receives one line per decision. */
    public static Backend open(String choice, int threads, Consumer<String> log) {
        List<BackendProvider> providers = providers();
        if (choice.equals("auto")) {
            for (BackendProvider p : providers) {
                BackendProvider.Probe probe = p.probe();
                if (probe.available()) {
                    log.accept("backend: " + p.id() + " (" + probe.reason() + ")");
                    return p.create(threads);
                }
                log.accept("backend: skipped " + p.id() + ": " + probe.reason());
            }
            throw new IllegalStateException("no backend is available");
        }
        for (BackendProvider p : providers) {
            if (p.id().equals(choice)) {
                BackendProvider.Probe probe = p.probe();
                if (!probe.available()) {
                    throw new IllegalStateException("backend '" + choice + "' is not available: " + probe.reason());
                }
                log.accept("backend: " + p.id() + " (" + probe.reason() + ")");
                return p.create(threads);
            }
        }
        String valid = providers.stream().map(BackendProvider::id).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown backend '" + choice + "'; valid: auto, " + valid);
    }
}
