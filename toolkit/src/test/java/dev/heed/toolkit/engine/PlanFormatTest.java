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

    /**
     * Transformer ops and further inputs need version 3: the test block (layer norm, both transpose flags, a masked
     * softmax fed by a second input, a gate, GELU, a slice), a token model (gather, constant) and the bundled ViT come
     * back op for op, and run bit for bit like the originals, gate gradients included.
     */
    @Test
    void transformerPlansSurviveARoundTripAsVersion3() throws Exception {
        Plan block = TransformerOpsReferenceTest.block();
        Plan read = roundTrip(block, 3);
        HostTensor x = Parity.random(4, 2, 4, 6);
        HostTensor mask = new HostTensor(new int[] {2, 4}, new float[] {1, 1, 0, 1, 1, 0, 1, 1});
        HostTensor weights = Parity.random(5, 2, 3);
        CpuReferenceExecutor executor = new CpuReferenceExecutor();
        try (CompiledPlan a = executor.compile(block); CompiledPlan b = executor.compile(read);
             PlanPass pa = a.forward(java.util.List.of(x, mask), java.util.List.of("p"));
             PlanPass pb = b.forward(java.util.List.of(x, mask), java.util.List.of("p"))) {
            assertEquals(pa.logits(), pb.logits());
            assertEquals(pa.captured("p"), pb.captured("p"));
            assertEquals(pa.gateGradients(weights), pb.gateGradients(weights));
            assertEquals(pa.backward(weights), pb.backward(weights));
        }

        dev.heed.toolkit.engine.plan.PlanBuilder tokens = new dev.heed.toolkit.engine.plan.PlanBuilder(5);
        int embedded = tokens.gather("embed", tokens.input(), new dev.heed.toolkit.engine.plan.Weights(Parity.random(6, 7, 3).data(), 7, 3));
        int positioned = tokens.add("positions", embedded, tokens.constant("positions", new dev.heed.toolkit.engine.plan.Weights(
                Parity.random(7, 5, 3).data(), 5, 3)));
        int types = tokens.addInput("types", 5);
        Plan gather = tokens.build(tokens.dense("head", tokens.reshape("flat", positioned, 15),
                new dev.heed.toolkit.engine.plan.Weights(Parity.random(8, 2, 15).data(), 2, 15), null));
        assertEquals(types, roundTrip(gather, 3).inputs().get(1).id(), "a further input keeps its tensor id");
        HostTensor ids = new HostTensor(new int[] {1, 5}, new float[] {0, 6, 2, 2, 4});
        try (CompiledPlan a = executor.compile(gather); CompiledPlan b = executor.compile(roundTrip(gather, 3))) {
            assertEquals(a.forward(java.util.List.of(ids, ids), java.util.List.of()).logits(),
                    b.forward(java.util.List.of(ids, ids), java.util.List.of()).logits());
        }

        Plan vit = dev.heed.toolkit.engine.adapter.VitPlanModel.plan(
                dev.heed.toolkit.attention.VisionTransformer.load(java.nio.file.Path.of("models/fashion-vit.zip")));
        Plan vitRead = roundTrip(vit, 3);
        HostTensor image = Parity.random(9, 1, vit.input().shape()[0], vit.input().shape()[1], vit.input().shape()[2]);
        try (CompiledPlan a = executor.compile(vit); CompiledPlan b = executor.compile(vitRead);
             PlanPass pa = a.forward(image, null); PlanPass pb = b.forward(image, null)) {
            assertEquals(pa.logits(), pb.logits());
        }
    }

    /** Writes, checks the version, reads, and checks that the read plan writes the same bytes and describes itself alike. */
    private static Plan roundTrip(Plan plan, int version) throws IOException {
        byte[] written = bytes(plan);
        assertEquals(version, java.nio.ByteBuffer.wrap(written).getInt(4), "version");
        Plan read = PlanFormat.read(new ByteArrayInputStream(written));
        assertEquals(plan.describe(), read.describe());
        assertEquals(plan.ops().toString(), read.ops().toString());
        assertEquals(plan.captures(), read.captures());
        assertEquals(plan.inputs().toString(), read.inputs().toString());
        assertEquals(plan.inputs().stream().map(dev.heed.toolkit.engine.plan.TensorInfo::producer).toList(),
                read.inputs().stream().map(dev.heed.toolkit.engine.plan.TensorInfo::producer).toList(), "input names");
        assertArrayEquals(written, bytes(read), "writing the read plan gives the same bytes");
        return read;
    }

    @Test
    void truncatedAndForeignFilesAreIoErrors() throws IOException {
        byte[] written = bytes(PlanCompiler.compile(ResidualGraphParityTest.residualGraph(3), 3, 11, 11));
        assertThrows(IOException.class, () -> PlanFormat.read(new ByteArrayInputStream(Arrays.copyOf(written, written.length / 2))));
        IOException foreign = assertThrows(IOException.class, () -> PlanFormat.read(new ByteArrayInputStream(new byte[64])));
        assertTrue(foreign.getMessage().contains("not a Heed plan"), foreign.getMessage());
    }
}
