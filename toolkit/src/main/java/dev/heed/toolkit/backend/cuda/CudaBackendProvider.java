package dev.heed.toolkit.backend.cuda;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;

/**
 * The CUDA backend's entry in the SPI. The kernels arrive with the CUDA-kernels issue; until then the probe says so,
 * which makes {@code --backend cuda} fail with that reason and {@code auto} skip it with the same reason.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public int rank() {
        return 10;
    }

    @Override
    public Probe probe() {
        return Probe.unavailable("the CUDA kernels are not part of this build yet");
    }

    @Override
    public Backend create(int threads) {
        throw new IllegalStateException("cuda backend is not available: " + probe().reason());
    }
}
