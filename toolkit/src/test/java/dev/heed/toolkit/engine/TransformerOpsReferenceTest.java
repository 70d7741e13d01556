package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanBuilder;
import dev.heed.toolkit.engine.plan.Weights;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The transformer ops on the reference executor, checked by hand and by central differences on a tiny attention
 * block that uses every one of them (two heads, masked keys, a gate, transposes with both flags).
 */
class TransformerOpsReferenceTest {
    private static final int TOKENS = 4;
    private static final int HIDDEN = 6;
    private static final int HEADS = 2;

    private static Weights random(long seed, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.5);
        }
        return new Weights(v, shape);
    }

    /** Input [tokens, hidden] and a key mask [tokens]; logits [3]. Also run on CUDA by CudaEncoderPlanTest. */
    static Plan block() {
        PlanBuilder b = new PlanBuilder(TOKENS, HIDDEN);
        int mask = b.addInput("mask", TOKENS);
        int x = b.layerNorm("ln", b.input(), random(1, HIDDEN), random(2, HIDDEN), 1e-5);
        int q = b.transpose("q", b.reshape("q", b.dense("q", x, random(3, HIDDEN, HIDDEN), random(4, HIDDEN)), TOKENS, HEADS, 3), 1, 0, 2);
        // keys stored transposed ([heads, d, tokens]) to exercise transposeB = false on a transposed layout
        int k = b.transpose("k", b.reshape("k", b.dense("k", x, random(5, HIDDEN, HIDDEN), null), TOKENS, HEADS, 3), 1, 2, 0);
        int v = b.transpose("v", b.reshape("v", b.dense("v", x, random(6, HIDDEN, HIDDEN), null), TOKENS, HEADS, 3), 1, 0, 2);
        int scores = b.matMul("scores", q, k, false, false, 0.7f);
        int p = b.softmax("p", scores, mask);
        b.capture("p", p);
        int gated = b.gate("gate", p);
        // context^T = v^T p^T: [heads, d, tokens], both operands transposed
        int contextT = b.matMul("context", v, gated, true, true, 1f);
        int rows = b.reshape("merge", b.transpose("merge", contextT, 2, 0, 1), TOKENS, HIDDEN);
        int h = b.add("residual", b.input(), b.activation("gelu", rows, ActivationKind.GELU, 0));
        int first = b.reshape("cls", b.slice("cls", h, 1, 1), HIDDEN);
        return b.build(b.dense("head", first, random(7, 3, HIDDEN), random(8, 3)));
    }

    private static final float[] MASK = {1, 1, 0, 1};

    private static float score(CompiledPlan compiled, float[] x, float[] w) {
        try (PlanPass pass = compiled.forward(List.of(new HostTensor(new int[] {1, TOKENS, HIDDEN}, x),
                new HostTensor(new int[] {1, TOKENS}, MASK.clone())), List.of())) {
            float[] logits = pass.logits().data();
            double s = 0;
            for (int i = 0; i < logits.length; i++) {
                s += logits[i] * w[i];
            }
            return (float) s;
        }
    }

    @Test
    void inputGradientsMatchCentralDifferences() {
        Plan plan = block();
        float[] x = random(11, TOKENS * HIDDEN).toArray();
        float[] w = {0.3f, -1.1f, 0.8f};
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(List.of(new HostTensor(new int[] {1, TOKENS, HIDDEN}, x.clone()),
                     new HostTensor(new int[] {1, TOKENS}, MASK.clone())), List.of("p"))) {
            float[] p = pass.captured("p").data();
            for (int h = 0; h < HEADS; h++) {
                for (int row = 0; row < TOKENS; row++) {
                    assertEquals(0f, p[(h * TOKENS + row) * TOKENS + 2], "a masked key gets exactly zero");
                }
            }
            float[] g = pass.backward(new HostTensor(new int[] {1, 3}, w.clone())).data();
            double eps = 1e-2;
            for (int i = 0; i < x.length; i++) {
                float[] plus = x.clone();
                float[] minus = x.clone();
                plus[i] += (float) eps;
                minus[i] -= (float) eps;
                double numeric = (score(compiled, plus, w) - score(compiled, minus, w)) / (2 * eps);
                assertEquals(numeric, g[i], 2e-3 + 1e-2 * Math.abs(numeric), "input " + i);
            }
        }
    }

    @Test
    void gateGradientIsTheOutputGradientTimesTheProbabilities() {
        Plan plan = block();
        float[] x = random(12, TOKENS * HIDDEN).toArray();
        float[] w = {1f, 0f, -0.5f};
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(List.of(new HostTensor(new int[] {1, TOKENS, HIDDEN}, x),
                     new HostTensor(new int[] {1, TOKENS}, MASK.clone())), List.of("p"))) {
            Map<String, HostTensor> gates = pass.gateGradients(new HostTensor(new int[] {1, 3}, w));
            float[] relevance = gates.get("gate").data();
            float[] p = pass.captured("p").data();
            // sum over keys of p * dS/dp... each row of the gate gradient: relevance = p * dS/dp; a masked key has none
            double total = 0;
            for (int i = 0; i < relevance.length; i++) {
                if (p[i] == 0) {
                    assertEquals(0f, relevance[i]);
                }
                total += Math.abs(relevance[i]);
            }
            assertEquals(true, total > 0, "the gate carries relevance");
            assertEquals(List.of(1, HEADS, TOKENS, TOKENS), java.util.Arrays.stream(gates.get("gate").shape()).boxed().toList());
        }
    }

    @Test
    void geluIsTheErfFormAndMatMulShapesAreChecked() {
        PlanBuilder b = new PlanBuilder(4);
        Plan plan = b.build(b.activation("gelu", b.input(), ActivationKind.GELU, 0));
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan)) {
            float[] y = compiled.logits(new HostTensor(new int[] {1, 4}, new float[] {-3.5f, -1f, 0.5f, 4f})).data();
            // x Phi(x) from erf: erf(-3.5/sqrt2) = -0.9995347418, erf(-1/sqrt2) = -0.6826894921, erf(0.5/sqrt2) = 0.3829249225
            assertEquals(-3.5 * 0.5 * (1 - 0.9995347418), y[0], 1e-6);
            assertEquals(-0.5 * (1 - 0.6826894921), y[1], 1e-7);
            assertEquals(0.25 * (1 + 0.3829249225), y[2], 1e-7);
            assertEquals(4 * 0.5 * (1 + 0.9999366575), y[3], 1e-6);
        }
        PlanBuilder bad = new PlanBuilder(2, 3);
        int other = bad.addInput("other", 2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.matMul("m", bad.input(), other, false, false, 1f));
        assertEquals("layer 'm': inner sizes 3 and 2 differ in t0[2, 3] x t1[2, 4]", e.getMessage());
    }
}
