package dev.heed.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.WordPiece;
import dev.heed.toolkit.engine.adapter.MiniLmPlanModel;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The all-MiniLM-L6-v2 forward pass on the CPU, side by side: Heed's SameDiff graph and Heed's plan on oneDNN (both
 * also hand out every layer's Q, K and attention probabilities) against ONNX Runtime on the same ONNX file and the same token ids (the
 * last hidden state only, its fastest configuration). {@code batch} inputs of 128 real tokens each, cut from one
 * English paragraph.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class TextForwardBenchmark {
    private static final String PARAGRAPH = "Attention lets a model weigh every part of its input when it builds each part of its "
            + "output. A transformer layer computes queries, keys and values for every token; the softmax of the scaled dot "
            + "products of queries and keys says how much each token draws on every other. Visualising those weights, layer "
            + "by layer and head by head, is a popular way to look inside such models, and attention rollout chains the "
            + "layers together to estimate how information flows from the input tokens to the output. Whether attention "
            + "explains a prediction is debated: gradients and relevance propagation give complementary views, and sanity "
            + "checks help to tell a faithful map from a pretty one. ";

    @Param({"8"})
    public int batch;

    private MiniLm heed;
    private MiniLmPlanModel heedOneDnn;
    private TextBatch inputs;
    private OrtEnvironment env;
    private OrtSession session;
    private Map<String, OnnxTensor> ortInputs;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        heed = MiniLm.bundled();
        heedOneDnn = MiniLmPlanModel.compile(heed, new OneDnnExecutor());
        List<TextBatch.Input> texts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            String words = PARAGRAPH.repeat(3).substring(i * 37);
            texts.add(new TextBatch.Input(words, null, "input " + i));
        }
        inputs = TextBatch.encode(WordPiece.bundled(), texts, 128, warning -> { });
        if (inputs.length() != 128) {
            throw new IllegalStateException("expected 128-token inputs, got " + inputs.length());
        }
        env = OrtEnvironment.getEnvironment();
        try (InputStream in = MiniLm.class.getResourceAsStream(MiniLm.BUNDLED_MODEL)) {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            session = env.createSession(in.readAllBytes(), options);
        }
        ortInputs = Map.of("input_ids", OnnxTensor.createTensor(env, inputs.idsAsLongs()),
                "attention_mask", OnnxTensor.createTensor(env, inputs.maskAsLongs()),
                "token_type_ids", OnnxTensor.createTensor(env, inputs.typesAsLongs()));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        for (OnnxTensor t : ortInputs.values()) {
            t.close();
        }
        session.close();
        heedOneDnn.close();
    }

    /** Heed: hidden state, sentence embeddings and all 6 layers' Q, K and probabilities. */
    @Benchmark
    public MiniLm.Capture heedSameDiff() {
        return heed.capture(inputs);
    }

    /** Heed's plan on oneDNN, the default engine of {@code heed attention}: the same captures as {@link #heedSameDiff}. */
    @Benchmark
    public MiniLm.Capture heedOneDnn() {
        return heedOneDnn.capture(inputs);
    }

    /** ONNX Runtime: the last hidden state. */
    @Benchmark
    public float[][][] onnxRuntime() throws OrtException {
        try (OrtSession.Result result = session.run(ortInputs)) {
            return (float[][][]) result.get(0).getValue();
        }
    }
}
