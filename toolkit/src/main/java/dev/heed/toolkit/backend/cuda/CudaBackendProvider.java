package dev.heed.toolkit.backend.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;

/**
 * The CUDA backend's entry in the SPI. The probe opens device 0 and loads Heed's kernel images: where that fails (no
 * NVIDIA driver, no GPU, a driver too old for the images) it says why, so {@code --backend cuda} fails with that
 * reason and {@code auto} skips it with the same reason. The probed device is kept for {@link #create}.
 */
public final class CudaBackendProvider implements BackendProvider {
    private CudaDevice.Probe probed;

    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public int rank() {
        return 10;
    }

    @Override
    public synchronized Probe probe() {
        if (probed == null || (probed.available() && probed.device() == null)) {
            probed = CudaDevice.open(0);
        }
        return probed.available()
                ? Probe.ok(probed.device().name() + ", sm_" + probed.device().capability())
                : Probe.unavailable(probed.reason());
    }

    @Override
    public synchronized Backend create(int threads) {
        Probe p = probe();
        if (!p.available()) {
            throw new IllegalStateException("cuda backend is not available: " + p.reason());
        }
        CudaDevice device = probed.device();
        probed = null; // the backend owns the device now; a later probe opens it again
        return new CudaBackend(device, threads);
    }
}
