package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A plan written and read back runs bit for bit like the original; broken files are IOExceptions. */
class PlanFormatTest {

    private static byte[] bytes(Plan plan) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PlanFormat.write(plan, out);
        return out.toByteArray();
    }

    @Test
    void theResidualGraphSurvivesARoundTrip() throws IOException {
        Plan plan = PlanCompiler.compile(ResidualGraphParityTest.residualGraph(21), 3, 11, 11);
        byte[] written = bytes(plan);
        Plan read = PlanFormat.read(new ByteArrayInputStream(written));
        assertEquals(plan.describe(), read.describe());
        assertEquals(plan.captures(), read.captures());
        assertEquals(plan.parameterCount(), read.parameterCount());
        assertArrayEquals(written, bytes(read), "writing the read plan gives the same bytes");
        HostTensor x = Parity.random(1, 2, 3, 11, 11);
        HostTensor weights = Parity.random(2, 2, 4);
        CpuReferenceExecutor executor = new CpuReferenceExecutor();
        try (CompiledPlan a = executor.compile(plan); CompiledPlan b = executor.compile(read);
             PlanPass pa = a.forward(x, "add"); PlanPass pb = b.forward(x, "add")) {
            assertEquals(pa.logits(), pb.logits());
            assertEquals(pa.backward(weights, ReluGradient.GUIDED), pb.backward(weights, ReluGradient.GUIDED));
        }
    }

    /** Groups, a second activation parameter and Multiply need version 2; a plan without them stays version 1. */
    @Test
    void aMobilePlanSurvivesARoundTripAsVersion2AndOlderPlansStayVersion1() throws IOException {
        Plan plan = MobileBlockPlan.build(4);
        byte[] written = bytes(plan);
        assertEquals(2, java.nio.ByteBuffer.wrap(written).getInt(4), "version");
        assertEquals(1, java.nio.ByteBuffer.wrap(bytes(PlanCompiler.compile(ResidualGraphParityTest.residualGraph(3), 3, 11, 11))).getInt(4),
                "a plan version 1 can say is written as version 1");
        Plan read = PlanFormat.read(new ByteArrayInputStream(written));
        assertEquals(plan.describe(), read.describe());
        assertEquals(plan.ops().toString(), read.ops().toString(), "groups and both activation parameters come back");
        assertArrayEquals(written, bytes(read), "writing the read plan gives the same bytes");
        HostTensor x = Parity.random(2, 2, 4, 9, 7);
        HostTensor weights = Parity.random(3, 2, 5);
        CpuReferenceExecutor executor = new CpuReferenceExecutor();
        try (CompiledPlan a = executor.compile(plan); CompiledPlan b = executor.compile(read);
             PlanPass pa = a.forward(x, "relu6"); PlanPass pb = b.forward(x, "relu6")) {
            assertEquals(pa.logits(), pb.logits());
            assertEquals(pa.backward(weights), pb.backward(weights));
        }
    }

    @Test
    void truncatedAndForeignFilesAreIoErrors() throws IOException {
        byte[] written = bytes(PlanCompiler.compile(ResidualGraphParityTest.residualGraph(3), 3, 11, 11));
        assertThrows(IOException.class, () -> PlanFormat.read(new ByteArrayInputStream(Arrays.copyOf(written, written.length / 2))));
        IOException foreign = assertThrows(IOException.class, () -> PlanFormat.read(new ByteArrayInputStream(new byte[64])));
        assertTrue(foreign.getMessage().contains("not a Heed plan"), foreign.getMessage());
    }
}
