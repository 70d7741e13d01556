package dev.heed.benchmarks;

import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.backend.HeadVectors;
import dev.heed.toolkit.backend.KeyMask;
import dev.heed.toolkit.backend.TokenMatrices;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attention extraction and rollout on the Backend, at real sizes: 64 sentences of 128 tokens through MiniLM's
 * 6 layers x 12 heads of 32, and 256 images through the bundled ViT's 4 layers x 4 heads of 16 over 50 tokens (the
 * defaults); {@code -p workload=vitb16-32,bert-8x512} adds ViT-B/16 and BERT-base sizes, meant for the GPU (the CPU
 * reference takes minutes per operation there).
 * Extraction recomputes {@code softmax(QK^T/sqrt d)} for every layer from captured Q and K; rollout fuses heads and
 * chains the layers. Q and K are random (their values do not change the work). The model forward passes are measured
 * separately ({@link TextForwardBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AttentionMathBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"minilm-64x128", "vit-256"})
    public String workload;

    private Backend ops;
    private int n;
    private int layers;
    private int heads;
    private int tokens;
    private int headDim;
    private HeadVectors[] queries;
    private HeadVectors[] keys;
    private TokenMatrices attention;

    @Setup(Level.Trial)
    public void setUp() {
        ops = Backends.open(backend, Runtime.getRuntime().availableProcessors(), line -> { });
        switch (workload) {
            case "minilm-64x128" -> shape(64, 6, 12, 128, 32);
            case "vit-256" -> shape(256, 4, 4, 50, 16);
            case "vitb16-32" -> shape(32, 12, 12, 197, 64);   // ViT-B/16: 197 tokens, 12 layers x 12 heads of 64
            case "bert-8x512" -> shape(8, 12, 12, 512, 64);   // BERT-base at its longest input
            default -> throw new IllegalArgumentException("unknown workload " + workload);
        }
        Random random = new Random(1);
        queries = new HeadVectors[layers];
        keys = new HeadVectors[layers];
        for (int l = 0; l < layers; l++) {
            float[] q = new float[n * heads * tokens * headDim];
            float[] k = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                q[i] = (float) random.nextGaussian();
                k[i] = (float) random.nextGaussian();
            }
            queries[l] = new HeadVectors(q, n, heads, tokens, headDim);
            keys[l] = new HeadVectors(k, n, heads, tokens, headDim);
        }
        attention = new TokenMatrices(extract(), n * layers, heads, tokens);
    }

    private void shape(int n, int layers, int heads, int tokens, int headDim) {
        this.n = n;
        this.layers = layers;
        this.heads = heads;
        this.tokens = tokens;
        this.headDim = headDim;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
    }

    /** Every layer's attention probabilities from Q and K: {@code [n][layers][heads][t][t]}. */
    @Benchmark
    public float[] extract() {
        int per = heads * tokens * tokens;
        float[] out = new float[n * layers * per];
        float scale = (float) (1 / Math.sqrt(headDim));
        for (int l = 0; l < layers; l++) {
            float[] p = ops.attentionProbabilities(queries[l], keys[l], KeyMask.everyKey(), scale).values();
            for (int i = 0; i < n; i++) {
                System.arraycopy(p, i * per, out, (i * layers + l) * per, per);
            }
        }
        return out;
    }

    /** Mean head fusion and Abnar &amp; Zuidema rollout over all layers. */
    @Benchmark
    public TokenMatrices rollout() {
        // the two Backend ops AttentionMaths.rollout chains, called directly so the GPU bundle needs no ND4J
        TokenMatrices fused = ops.fuseHeads(attention, HeadFusion.MEAN);
        return ops.rollout(fused.regroup(n, layers), 0f, true);
    }

    /** Rollout as Abnar &amp; Zuidema's code runs it for a clearer map: the smallest 90% of each layer's entries discarded first. */
    @Benchmark
    public TokenMatrices rolloutDiscard90() {
        TokenMatrices fused = ops.fuseHeads(attention, HeadFusion.MEAN);
        return ops.rollout(fused.regroup(n, layers), 0.9f, true);
    }
}
