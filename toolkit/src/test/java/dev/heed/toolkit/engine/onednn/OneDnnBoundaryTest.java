package dev.heed.toolkit.engine.onednn;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.Parity;
import dev.heed.toolkit.engine.PlanPass;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.junit.jupiter.api.Test;

/** The native boundary: natives load here, a oneDNN failure is one exception type naming the step, closed things refuse. */
class OneDnnBoundaryTest {

    @Test
    void theNativesLoad() {
        assertNull(OneDnnExecutor.unavailableReason());
    }

    /** A reorder between tensors of different sizes is oneDNN's invalid-arguments status, surfaced as OneDnnException. */
    @Test
    void aOneDnnFailureIsOneExceptionNamingTheStep() {
        try (OneDnnContext context = new OneDnnContext(); NativeOwner owner = new NativeOwner()) {
            memory.desc small = OneDnnContext.plain(owner, 1, 2, 3, 3);
            memory.desc large = OneDnnContext.plain(owner, 1, 4, 3, 3);
            OneDnnException e = assertThrows(OneDnnException.class, () -> OneDnnContext.call("test reorder",
                    () -> owner.own(new reorder.primitive_desc(context.engine, small, context.engine, large))));
            assertTrue(e.getMessage().startsWith("oneDNN test reorder: "), e.getMessage());
            assertTrue(e.primitive().equals("test reorder"));
        }
    }

    @Test
    void aClosedPassRefusesReads() {
        try (CompiledPlan compiled = new OneDnnExecutor().compile(OneDnnExecutorParityTest.everyOpPlan(2))) {
            PlanPass pass = compiled.forward(Parity.random(1, 1, 3, 13, 10), "cat");
            pass.close();
            pass.close();
            assertThrows(IllegalStateException.class, pass::logits);
            assertThrows(IllegalStateException.class, pass::captured);
        }
    }
}
