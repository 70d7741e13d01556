package dev.heed.benchmarks;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.backend.cuda.CudaBackend;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.parity.BackendParity;
import java.util.List;

/**
 * The GPU bundle's {@code run.sh test}: every Backend op on the CUDA backend against the CPU reference, then a leak
 * check. Exit code 0 all ops agree, 1 some op disagrees or leaks, 3 no usable CUDA device (the reason is printed).
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    /** The fused overlay kernels against the CPU pipeline (upsample, min-max, normalise, colour + blend), 8 x 224^2. */
    static boolean fusedOverlayMatches(CpuBackend cpu) {
        int n = 8;
        int side = 224;
        int pixels = side * side;
        java.util.Random random = new java.util.Random(5);
        float[] cams = new float[n * 49];
        for (int i = 0; i < cams.length; i++) {
            cams[i] = (float) random.nextGaussian();
        }
        int[] images = new int[n * pixels];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextInt(1 << 24);
        }
        int[] lut = dev.heed.toolkit.render.Colormap.VIRIDIS.packedLut();
        Maps up = cpu.upsampleBilinear(new Maps(cams, n, 7, 7), side, side);
        int[] expected = cpu.colorizeBlend(cpu.normalize(up, MapRange.own()), new RgbImages(images, n, side, side), new Blend(lut, 0.5f)).rgb();
        int[] actual;
        try (ResidentOverlay overlay = ResidentOverlay.open(cams, n, 7, 7, images, side, lut, 0.5f)) {
            overlay.compute();
            actual = overlay.download();
        }
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                worst = Math.max(worst, Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF)));
            }
        }
        System.out.printf("%-40s %s (largest difference %d levels)%n", "fused overlay [8] 7x7 -> 224x224", worst <= 1 ? "ok" : "MISMATCH", worst);
        return worst <= 1;
    }

    /**
     * The model pass on Heed's engine against the golden outputs the bundle carries ({@code -Dheed.goldens=DIR}, set
     * by run.sh); a missing folder is reported and counts as a failure, since the engine would go unchecked.
     */
    static boolean engineMatchesGoldens() {
        String folder = System.getProperty("heed.goldens");
        if (folder == null || !java.nio.file.Files.isDirectory(java.nio.file.Path.of(folder))) {
            System.out.println("engine: no golden outputs (-Dheed.goldens=" + folder + "): the model pass is UNCHECKED");
            return false;
        }
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (!probe.available()) {
            System.out.println("engine: " + probe.reason());
            return false;
        }
        try {
            boolean ok = EngineGoldenCheck.check(java.nio.file.Path.of(folder), probe.device());
            long live = probe.device().liveBuffers();
            System.out.println("engine device buffers open after the check: " + live);
            return ok && live == 0;
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("engine: FAILED: " + e);
            return false;
        } finally {
            probe.device().close();
        }
    }

    public static void main(String[] args) {
        CudaBackendProvider provider = new CudaBackendProvider(); // one provider: the probed device is the one used
        BackendProvider.Probe probe = provider.probe();
        System.out.println("java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        if (!probe.available()) {
            System.out.println("UNVERIFIED: " + probe.reason());
            System.exit(3);
        }
        System.out.println("device: " + probe.reason());
        boolean ok;
        try (CpuBackend cpu = new CpuBackend(Runtime.getRuntime().availableProcessors());
             Backend gpu = provider.create(1)) {
            List<BackendParity.Result> results = BackendParity.compare(cpu, gpu);
            results.forEach(System.out::println);
            ok = results.stream().allMatch(BackendParity.Result::passed);
            ok &= fusedOverlayMatches(cpu);
            Maps maps = new Maps(new float[4 * 49], 4, 7, 7);
            for (int i = 0; i < 2000; i++) {
                gpu.upsampleBilinear(maps, 28, 28);
                gpu.minMax(maps);
            }
            long live = ((CudaBackend) gpu).liveBuffers();
            System.out.println("device buffers open after 4000 ops: " + live);
            ok &= live == 0;
        }
        ok &= engineMatchesGoldens();
        boolean emulated = !CudaDevice.driverLibrary().equals("libcuda.so.1");
        System.out.println(!ok ? "FAILED" : emulated
                ? "PASSED under " + CudaDevice.driverLibrary() + ", not the NVIDIA driver: the GPU itself is still unverified"
                : "PASSED: the CUDA backend matches the CPU reference");
        System.exit(ok ? 0 : 1);
    }
}
