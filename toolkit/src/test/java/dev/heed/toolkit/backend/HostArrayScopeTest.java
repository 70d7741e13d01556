package dev.heed.toolkit.backend;

import dev.heed.toolkit.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CPU backend's scope (the heap) and its resident ops, which are the host ops' defaults. */
class HostArrayScopeTest {
    private static CpuBackend backend;
    private static ArrayScopeContract contract;

    @BeforeAll
    static void open() {
        backend = new CpuBackend(2);
        contract = new ArrayScopeContract(backend);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void arraysAreCopiesAndComeBackUnchanged() {
        contract.arraysAreCopiesAndComeBackUnchanged();
    }

    @Test
    void misuseIsRefusedWithAClearMessage() {
        contract.misuseIsRefusedWithAClearMessage();
    }

    @Test
    void residentOpsGiveTheHostOpsValues() {
        contract.residentOpsGiveTheHostOpsValues();
    }

    @Test
    void foreignArraysTakeTheDefaultPath() {
        contract.foreignArraysTakeTheDefaultPath();
    }
}
