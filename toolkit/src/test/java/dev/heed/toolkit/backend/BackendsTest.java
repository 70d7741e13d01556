package dev.heed.toolkit.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void autoPicksAnAvailableBackendAndSaysWhatItSkipped() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.open("auto", 1, log::add)) {
            assertEquals("cpu", b.id());
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("backend: skipped cuda: ")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("backend: cpu")), log.toString());
    }

    @Test
    void anUnavailableBackendAskedForByNameIsAnErrorNotAFallback() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.open("cuda", 1, l -> { }));
        assertTrue(e.getMessage().startsWith("backend 'cuda' is not available: "), e.getMessage());
    }

    @Test
    void unknownBackendListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("tpu", 1, l -> { }));
        assertEquals("unknown backend 'tpu'; valid: auto, cuda, cpu (cuda:N for device N)", e.getMessage());
    }
}
