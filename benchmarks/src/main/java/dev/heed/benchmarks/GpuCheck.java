package dev.heed.benchmarks;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendParity;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.backend.cuda.CudaBackend;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import java.util.List;

/**
 * The GPU bundle's {@code run.sh test}: every Backend op on the CUDA backend against the CPU reference, then a leak
 * check. Exit code 0 all ops agree, 1 some op disagrees or leaks, 3 no usable CUDA device (the reason is printed).
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    public static void main(String[] args) {
        BackendProvider.Probe probe = new CudaBackendProvider().probe();
        System.out.println("java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        if (!probe.available()) {
            System.out.println("UNVERIFIED: " + probe.reason());
            System.exit(3);
        }
        System.out.println("device: " + probe.reason());
        boolean ok;
        try (CpuBackend cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
             Backend gpu = new CudaBackendProvider().create(1)) {
            List<BackendParity.Result> results = BackendParity.compare(cpu, gpu);
            results.forEach(System.out::println);
            ok = results.stream().allMatch(BackendParity.Result::passed);
            float[] maps = new float[4 * 49];
            for (int i = 0; i < 2000; i++) {
                gpu.upsampleBilinear(maps, 4, 7, 7, 28, 28);
                gpu.minMax(maps, 4, 49);
            }
            long live = ((CudaBackend) gpu).liveBuffers();
            System.out.println("device buffers open after 4000 ops: " + live);
            ok &= live == 0;
        }
        System.out.println(ok ? "PASSED: the CUDA backend matches the CPU reference" : "FAILED");
        System.exit(ok ? 0 : 1);
    }
}
