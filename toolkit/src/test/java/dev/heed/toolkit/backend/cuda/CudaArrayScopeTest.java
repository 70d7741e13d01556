package dev.heed.toolkit.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.ArrayScopeContractTest;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.ResidentArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's scope: the same contract as the heap's ({@link ArrayScopeContractTest}), on device buffers (a GPU, or in every build the emulated
 * driver), with nothing left allocated after each test, and resident ops that move no data to the host. Skipped, with
 * the probe's reason, without a device.
 */
class CudaArrayScopeTest extends ArrayScopeContractTest {
    private static CudaBackend backend;

    @BeforeAll
    static void open() {
        CudaBackendProvider provider = new CudaBackendProvider();
        BackendProvider.Probe probe = provider.probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
        backend = (CudaBackend) provider.create(1);
    }

    @AfterEach
    void nothingIsLeftOnTheDevice() {
        assertEquals(0, backend.liveBuffers(), "a closed scope frees every array it made");
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @Override
    protected Backend backend() {
        return backend;
    }

    /** A released array's buffer is freed at once; the others stay until the scope closes. */
    @Test
    void releaseFreesOneArrayAtOnce() {
        try (ArrayScope scope = backend.openScope()) {
            ResidentArray kept = scope.upload(new float[6], 2, 3);
            ResidentArray dropped = scope.upload(new float[6], 2, 3);
            assertEquals(2, backend.liveBuffers());
            scope.release(dropped);
            assertEquals(1, backend.liveBuffers());
            assertEquals(6, scope.download(kept).length);
        }
    }

    /** A Grad-CAM chain on resident arrays: the inputs go up, the map comes down, and nothing else crosses. */
    @Test
    void chainedOpsStayOnTheDevice() {
        int n = 2;
        int c = 8;
        int side = 7;
        long up = backend.bytesToDevice();
        long down = backend.bytesToHost();
        try (ArrayScope scope = backend.openScope()) {
            ResidentArray activations = scope.upload(new float[n * c * side * side], n, c, side, side);
            ResidentArray gradients = scope.upload(new float[n * c * side * side], n, c, side, side);
            ResidentArray cams = backend.weightedChannelSum(activations, backend.gradCamPlusPlusWeights(activations, gradients), true);
            float[] maps = scope.download(backend.upsampleBilinear(cams, 28, 28));
            assertEquals(n * 28 * 28, maps.length);
        }
        assertEquals(2L * n * c * side * side * Float.BYTES, backend.bytesToDevice() - up, "only the two inputs went up");
        assertEquals((long) n * 28 * 28 * Float.BYTES, backend.bytesToHost() - down, "only the maps came down");
    }
}
