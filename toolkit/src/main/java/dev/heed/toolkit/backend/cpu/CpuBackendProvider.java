package dev.heed.toolkit.backend.cpu;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;

/** Always available: the CPU reference. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public Probe probe() {
        return Probe.ok(Runtime.getRuntime().availableProcessors() + " cores");
    }

    @Override
    public Backend create(int threads) {
        return new CpuBackend(threads);
    }
}
