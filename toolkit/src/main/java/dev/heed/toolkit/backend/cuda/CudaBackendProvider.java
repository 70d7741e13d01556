package dev.heed.toolkit.backend.cuda;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;

/**
 * The CUDA backend's entry in the SPI. The probe opens the device asked for (0 unless {@code --backend cuda:N}) and
 * loads Heed's kernel images: where that fails (no NVIDIA driver, no such GPU, a driver too old for the images) it
 * says why, so {@code --backend cuda} fails with that reason and {@code auto} skips it with the same reason. The
 * probed device is kept for {@link #create}, per ordinal.
 */
public final class CudaBackendProvider implements BackendProvider {
    private final java.util.Map<Integer, CudaDevice.Probe> probed = new java.util.HashMap<>();

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
        return probe(0);
    }

    @Override
    public synchronized Probe probe(int device) {
        CudaDevice.Probe p = probed.get(device);
        if (p == null || (p.available() && p.device() == null)) {
            p = CudaDevice.open(device);
            probed.put(device, p);
        }
        return p.available() ? Probe.ok(p.device().name() + ", sm_" + p.device().capability()) : Probe.unavailable(p.reason());
    }

    @Override
    public Backend create(int threads) {
        return create(threads, 0);
    }

    @Override
    public synchronized Backend create(int threads, int device) {
        Probe p = probe(device);
        if (!p.available()) {
            throw new IllegalStateException("cuda backend is not available: " + p.reason());
        }
        CudaDevice opened = probed.remove(device).device(); // the backend owns the device now; a later probe opens it again
        return new CudaBackend(opened, threads);
    }
}
