package dev.heed.toolkit.backend;

import dev.heed.toolkit.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The CPU backend's scope (the heap) and its resident ops, which are the host ops' defaults. */
class HostArrayScopeTest extends ArrayScopeContractTest {
    private static CpuBackend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Override
    protected Backend backend() {
        return backend;
    }
}
