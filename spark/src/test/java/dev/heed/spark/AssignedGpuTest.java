package dev.heed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * A task's {@code --backend} follows the GPU Spark assigned it, so two executors on one node never share device 0;
 * without an assigned GPU, on {@code cpu}, or with the user's own device, the backend is left as given.
 */
class AssignedGpuTest {
    @Test
    void cudaAndAutoBindTheAssignedOrdinal() {
        assertEquals("cuda:3", ChunkTask.onAssignedGpu("cuda", "3"));
        assertEquals("auto:1", ChunkTask.onAssignedGpu("auto", "1"));
    }

    @Test
    void noGpuCpuOrAnExplicitDeviceIsLeftAsGiven() {
        assertEquals("cuda", ChunkTask.onAssignedGpu("cuda", "none"));
        assertEquals("cpu", ChunkTask.onAssignedGpu("cpu", "2"));
        assertEquals("cuda:2", ChunkTask.onAssignedGpu("cuda:2", "0"));
    }

    @Test
    void anAddressThatIsNotAnOrdinalIsRefusedWithTheScriptNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChunkTask.onAssignedGpu("cuda", "GPU-6f1c"));
        assertEquals("heed spark: Spark assigned GPU 'GPU-6f1c', not a device ordinal; the discovery script must list CUDA "
                + "ordinals (spark/gpu-discovery.sh does)", e.getMessage());
    }
}
