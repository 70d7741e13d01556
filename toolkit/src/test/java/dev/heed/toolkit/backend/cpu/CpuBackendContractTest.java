package dev.heed.toolkit.backend.cpu;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendContractTest;

class CpuBackendContractTest extends BackendContractTest {
    @Override
    protected Backend open() {
        return new CpuBackend(2);
    }
}
