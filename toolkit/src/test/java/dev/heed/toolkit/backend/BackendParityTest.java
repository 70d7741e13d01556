package dev.heed.toolkit.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.parity.BackendParity;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parity check the GPU is held to must be able to fail: a backend with one slightly wrong op is caught. */
class BackendParityTest {
    @Test
    void anIdenticalBackendPassesAndOneSkewedOpIsCaught() {
        try (CpuBackend cpu = new CpuBackend(2); CpuBackend inner = new CpuBackend(2)) {
            assertTrue(BackendParity.compare(cpu, inner).stream().allMatch(BackendParity.Result::passed));
            Backend skewed = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                    (proxy, method, args) -> {
                        Object result = method.invoke(inner, args);
                        if (method.getName().equals("upsampleBilinear") && result instanceof Maps) {
                            Maps maps = (Maps) result;
                            float[] values = maps.values().clone();
                            float largest = 0;
                            for (float v : values) {
                                largest = Math.max(largest, Math.abs(v));
                            }
                            values[values.length / 2] += 1e-4f * largest; // one value off by 1e-4 of the map's scale
                            return new Maps(values, maps.n(), maps.height(), maps.width());
                        }
                        return result;
                    });
            List<BackendParity.Result> results = BackendParity.compare(cpu, skewed);
            List<String> failed = results.stream().filter(r -> !r.passed()).map(BackendParity.Result::op).toList();
            assertEquals(List.of("upsampleBilinear [16] 7x7 -> 224x224"), failed);
            assertFalse(results.isEmpty());
            assertEquals(26, results.size(), "every op is checked, the resident ones too: " + results);
        }
    }
}
