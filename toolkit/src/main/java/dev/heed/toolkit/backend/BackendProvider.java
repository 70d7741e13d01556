package dev.heed.toolkit.backend;

/**
 * Service-provider interface: a backend is found through {@link java.util.ServiceLoader}, probed, then created. Probing
 * never throws; it says whether the backend can run here and, if not, why.
 */
public interface BackendProvider {

    String id();

    /** Higher wins when {@code auto} picks; the CPU reference ranks lowest. */
    int rank();

    Probe probe();

    /**
     * Probes device {@code device} of this kind ({@code --backend cuda:1}); a backend with one device, like the CPU,
     * answers its only probe.
     */
    default Probe probe(int device) {
        return probe();
    }

    /** Creates a backend; only called after a successful probe. */
    Backend create(int threads);

    /** Creates a backend on device {@code device}; only called after a successful {@link #probe(int)}. */
    default Backend create(int threads, int device) {
        return create(threads);
    }

    /** The outcome of a probe: available, or the reason it is not. */
    record Probe(boolean available, String reason) {
        public static Probe ok(String detail) {
            return new Probe(true, detail);
        }

        public static Probe unavailable(String reason) {
            return new Probe(false, reason);
        }
    }
}
