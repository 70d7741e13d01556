package dev.heed.toolkit.backend;

import org.junit.jupiter.api.Test;

/**
 * The {@link ArrayScopeContract} as JUnit tests: a backend's scope test extends this and says which backend it holds
 * ({@link #backend()}), as {@code BackendContractTest} does for the host ops.
 */
public abstract class ArrayScopeContractTest {

    /** The backend under test, opened by the subclass (and skipped there, with a reason, when it cannot run). */
    protected abstract Backend backend();

    private ArrayScopeContract contract() {
        return new ArrayScopeContract(backend());
    }

    @Test
    void arraysAreCopiesAndComeBackUnchanged() {
        contract().arraysAreCopiesAndComeBackUnchanged();
    }

    @Test
    void misuseIsRefusedWithAClearMessage() {
        contract().misuseIsRefusedWithAClearMessage();
    }

    @Test
    void residentOpsGiveTheHostOpsValues() {
        contract().residentOpsGiveTheHostOpsValues();
    }

    @Test
    void foreignArraysTakeTheDefaultPath() {
        contract().foreignArraysTakeTheDefaultPath();
    }
}
