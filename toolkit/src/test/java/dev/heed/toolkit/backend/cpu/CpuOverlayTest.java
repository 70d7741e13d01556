package dev.heed.toolkit.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.render.Colormap;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The CPU backend's fused overlay gives exactly the pixels of the four separate ops (the SPI's definition). */
class CpuOverlayTest {
    @Test
    void fusedOverlayEqualsTheSeparateOpsBitForBit() {
        try (CpuBackend cpu = new CpuBackend(2)) {
            // a Backend whose overlay is the interface's default (upsample, normalize over minMax, colorizeBlend), every op the CPU's
            Backend separate = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                    (proxy, method, args) -> method.getName().equals("overlay")
                            ? InvocationHandler.invokeDefault(proxy, method, args) : method.invoke(cpu, args));
            Random random = new Random(9);
            int[][] sizes = {{7, 7, 224, 224}, {14, 9, 100, 333}, {3, 5, 1, 1}, {28, 28, 28, 28}};
            for (int[] size : sizes) {
                int n = 5;
                float[] maps = new float[n * size[0] * size[1]];
                for (int i = 0; i < maps.length; i++) {
                    maps[i] = (float) random.nextGaussian();
                }
                int[] images = new int[n * size[2] * size[3]];
                for (int i = 0; i < images.length; i++) {
                    images[i] = random.nextInt(1 << 24);
                }
                float[] lo = {-1, -0.5f, 0, 0.25f, 3};
                float[] hi = {1, 0.5f, 2, 0.25f, 4}; // one empty range, one range above every value
                Blend inferno = new Blend(Colormap.INFERNO.packedLut(), 0.35f);
                Maps batch = new Maps(maps, n, size[0], size[1]);
                RgbImages over = new RgbImages(images, n, size[2], size[3]);
                assertArrayEquals(separate.overlay(batch, over, MapRange.own(), inferno).rgb(),
                        cpu.overlay(batch, over, MapRange.own(), inferno).rgb(), "own ranges " + size[2]);
                assertArrayEquals(separate.overlay(batch, over, MapRange.given(lo, hi), inferno).rgb(),
                        cpu.overlay(batch, over, MapRange.given(lo, hi), inferno).rgb(), "given ranges " + size[2]);
            }
        }
    }
}
