package dev.heed.toolkit.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where {@link TransformerEngine} puts the passes beside CUDA maps: on Heed's CUDA engine where a device answers (the
 * emulated driver in the build), one line naming it; where none does, on the CPU engine with one line giving the
 * probe's reason for {@code auto}, and an error for {@code cuda}. Runs in both surefire executions, so each build
 * checks both branches.
 */
class CudaTransformerEngineTest {
    private static String deviceMissing() {
        CudaDevice.Probe probe = CudaDevice.open(0);
        if (!probe.available()) {
            return probe.reason();
        }
        probe.device().close();
        return null;
    }

    @Test
    void theVitPassRunsWhereTheMapsDo() throws Exception {
        VisionTransformer vit = VisionTransformer.load(Path.of("models/fashion-vit.zip"));
        String missing = deviceMissing();
        List<String> log = new ArrayList<>();
        try (TransformerEngine<VitModel> engine = TransformerEngine.vit(vit, "cuda", "auto", ModelOptions.ONEDNN, log::add)) {
            if (missing == null) {
                assertEquals(TransformerEngine.CUDA, engine.engine());
                assertEquals(1, log.size(), log.toString());
                assertTrue(log.get(0).startsWith("model pass: Heed's CUDA engine on "), log.get(0));
            } else {
                assertTrue(!engine.engine().equals(TransformerEngine.CUDA), engine.engine());
                assertTrue(log.get(log.size() - 1).startsWith("model pass: ") && log.get(log.size() - 1).endsWith(", since " + missing),
                        log.toString());
            }
        }
        if (missing != null) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> TransformerEngine.vit(vit, "cuda", "cuda", ModelOptions.ONEDNN, line -> { }));
            assertEquals("no CUDA device for the model pass: " + missing, e.getMessage());
        }
        List<String> quiet = new ArrayList<>();
        try (TransformerEngine<VitModel> engine = TransformerEngine.vit(vit, "cpu", "cpu", ModelOptions.REFERENCE, quiet::add)) {
            assertEquals(TransformerEngine.SAMEDIFF, engine.engine());
            assertEquals(List.of(), quiet, "the CPU choice says nothing");
        }
    }

    @Test
    void miniLmsPlansAreCheckedWhenTheEngineOpens() throws Exception {
        String missing = deviceMissing();
        List<String> log = new ArrayList<>();
        try (TransformerEngine<TextEncoder> engine = TransformerEngine.text(MiniLm.bundled(), "cuda", "auto", ModelOptions.ONEDNN, log::add)) {
            assertEquals(missing == null, engine.engine().equals(TransformerEngine.CUDA), engine.engine() + " " + log);
        }
    }
}
