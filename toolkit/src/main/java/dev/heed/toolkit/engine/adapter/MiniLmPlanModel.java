package dev.heed.toolkit.engine.adapter;

import dev.heed.toolkit.attention.TransformerSpec;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.TextEncoder;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.dl4j.EncoderPlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link MiniLm}'s passes on the engine. A plan has fixed shapes, so there is one plan per padded batch length,
 * compiled on first use (the weights are converted once, in the shared compiler). Each compiled plan holds its own
 * copy of the weights on the executor's side (about 90 MB on a GPU for MiniLM-L6), so only the
 * {@value #KEPT_LENGTHS} lengths used last are kept and an older one is closed; passes are single-threaded, as the
 * SameDiff graph's are, so no pass of an evicted plan is still open. The plan ends at the last
 * hidden state; sentence-transformers' pooling (the mean over real tokens, then unit length) and its gradient are
 * computed here in double, as MiniLm's graph does after the encoder. Owns its compiled plans; close it.
 */
public final class MiniLmPlanModel implements TextEncoder, AutoCloseable {
    private final EncoderPlanCompiler compiler;
    private final PlanExecutor executor;
    /** How many compiled lengths are kept: a job pads each batch to its own longest input, so lengths repeat. */
    static final int KEPT_LENGTHS = 4;
    private final Map<Integer, CompiledPlan> byLength = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, CompiledPlan> eldest) {
            if (size() <= KEPT_LENGTHS) {
                return false;
            }
            eldest.getValue().close();
            return true;
        }
    };

    private MiniLmPlanModel(EncoderPlanCompiler compiler, PlanExecutor executor) {
        this.compiler = compiler;
        this.executor = executor;
    }

    /** Prepares {@code model}'s weights for {@code executor}; plans are compiled per batch length on first use. */
    public static MiniLmPlanModel compile(MiniLm model, PlanExecutor executor) {
        return new MiniLmPlanModel(new EncoderPlanCompiler(model.weights(), model.spec()), executor);
    }

    @Override
    public TransformerSpec spec() {
        return compiler.spec();
    }

    /** The plan for inputs padded to {@code tokens}, not compiled (the weights are converted once, and shared). */
    public Plan planFor(int tokens) {
        return compiler.bert(tokens);
    }

    private synchronized CompiledPlan plan(int tokens) {
        return byLength.computeIfAbsent(tokens, t -> executor.compile(compiler.bert(t)));
    }

    private PlanPass forward(TextBatch batch, List<String> captures) {
        int n = batch.size();
        int t = batch.length();
        List<HostTensor> inputs = List.of(floats(batch.inputIds(), n, t), floats(batch.tokenTypeIds(), n, t), floats(batch.attentionMask(), n, t));
        return plan(t).forward(inputs, captures);
    }

    @Override
    public MiniLm.Capture capture(TextBatch batch) {
        int layers = spec().layers();
        List<String> names = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            names.addAll(List.of(EncoderPlanCompiler.query(l), EncoderPlanCompiler.key(l), EncoderPlanCompiler.probabilities(l)));
        }
        try (PlanPass pass = forward(batch, names)) {
            List<INDArray> q = new ArrayList<>();
            List<INDArray> k = new ArrayList<>();
            List<INDArray> p = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                q.add(VitPlanModel.array(pass.captured(EncoderPlanCompiler.query(l))));
                k.add(VitPlanModel.array(pass.captured(EncoderPlanCompiler.key(l))));
                p.add(VitPlanModel.array(pass.captured(EncoderPlanCompiler.probabilities(l))));
            }
            float[] last = pass.logits().data();
            Pooled pooled = pool(last, mask(batch), batch.size(), batch.length(), spec().hidden());
            INDArray lastHidden = org.nd4j.linalg.factory.Nd4j.create(last, new long[] {batch.size(), batch.length(), spec().hidden()}, 'c');
            INDArray unit = org.nd4j.linalg.factory.Nd4j.create(pooled.unitFloats(), new long[] {batch.size(), spec().hidden()}, 'c');
            return new MiniLm.Capture(lastHidden, unit, q, k, p);
        }
    }

    @Override
    public INDArray similaritySaliency(TextBatch batch, INDArray compare) {
        int n = batch.size();
        int t = batch.length();
        int hidden = spec().hidden();
        float[] c = compare.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        float[] mask = mask(batch);
        try (PlanPass pass = forward(batch, List.of())) {
            Pooled pooled = pool(pass.logits().data(), mask, n, t, hidden);
            // S = sum_i u_i . c_i, u = m / |m|, m = sum_t mask_t h_t / sum_t mask_t:
            // dS/dm = (c - (u . c) u) / |m|, dS/dh_t = mask_t / sum(mask) * dS/dm
            float[] weights = new float[n * t * hidden];
            for (int i = 0; i < n; i++) {
                double dot = 0;
                for (int d = 0; d < hidden; d++) {
                    dot += pooled.unit[i * hidden + d] * c[i * hidden + d];
                }
                for (int d = 0; d < hidden; d++) {
                    double dm = (c[i * hidden + d] - dot * pooled.unit[i * hidden + d]) / pooled.norm[i];
                    for (int tok = 0; tok < t; tok++) {
                        weights[(i * t + tok) * hidden + d] = (float) (mask[i * t + tok] / pooled.count[i] * dm);
                    }
                }
            }
            HostTensor gate = pass.gateGradients(new HostTensor(new int[] {n, t * hidden}, weights)).get(EncoderPlanCompiler.EMBEDDING_GATE);
            float[] g = gate.data();
            float[] perToken = new float[n * t];
            for (int row = 0; row < n * t; row++) {
                double sum = 0;
                for (int d = 0; d < hidden; d++) {
                    sum += g[row * hidden + d];
                }
                perToken[row] = (float) (sum * mask[row]);
            }
            return org.nd4j.linalg.factory.Nd4j.create(perToken, new long[] {n, t}, 'c');
        }
    }

    /** The pooled sentence embeddings of a batch: unit vectors, the mean's norm and the real-token count per input. */
    private record Pooled(double[] unit, double[] norm, double[] count) {
        float[] unitFloats() {
            float[] out = new float[unit.length];
            for (int i = 0; i < unit.length; i++) {
                out[i] = (float) unit[i];
            }
            return out;
        }
    }

    private static Pooled pool(float[] last, float[] mask, int n, int t, int hidden) {
        double[] unit = new double[n * hidden];
        double[] norm = new double[n];
        double[] count = new double[n];
        for (int i = 0; i < n; i++) {
            for (int tok = 0; tok < t; tok++) {
                count[i] += mask[i * t + tok];
            }
            double squares = 0;
            for (int d = 0; d < hidden; d++) {
                double sum = 0;
                for (int tok = 0; tok < t; tok++) {
                    sum += (double) mask[i * t + tok] * last[(i * t + tok) * hidden + d];
                }
                unit[i * hidden + d] = sum / count[i];
                squares += unit[i * hidden + d] * unit[i * hidden + d];
            }
            norm[i] = Math.sqrt(squares);
            for (int d = 0; d < hidden; d++) {
                unit[i * hidden + d] /= norm[i];
            }
        }
        return new Pooled(unit, norm, count);
    }

    private static float[] mask(TextBatch batch) {
        return batch.attentionMask().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
    }

    private static HostTensor floats(INDArray a, int n, int t) {
        return new HostTensor(new int[] {n, t}, a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat());
    }

    @Override
    public synchronized void close() {
        byLength.values().forEach(CompiledPlan::close);
        byLength.clear();
    }
}
