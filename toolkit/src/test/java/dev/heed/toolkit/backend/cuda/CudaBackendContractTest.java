package dev.heed.toolkit.backend.cuda;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendContractTest;
import dev.heed.toolkit.backend.BackendProvider;
import org.junit.jupiter.api.Assumptions;

/**
 * The CUDA backend against the same contract as the CPU reference. Where the probe says the backend cannot run (no
 * kernels in the build, no driver, no GPU) every test is skipped with the probe's reason: skipped, not passed.
 */
class CudaBackendContractTest extends BackendContractTest {
    @Override
    protected Backend open() {
        CudaBackendProvider provider = new CudaBackendProvider();
        BackendProvider.Probe probe = provider.probe();
        Assumptions.assumeTrue(probe.available(), () -> "CUDA backend unavailable: " + probe.reason());
        return provider.create(1);
    }
}
