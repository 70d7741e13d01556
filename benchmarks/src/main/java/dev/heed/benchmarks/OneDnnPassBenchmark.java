package dev.heed.benchmarks;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.onednn.OneDnnExecutor;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelPass;
import dev.heed.toolkit.model.Reinitialise;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * The CPU model pass of a ResNet-50 on three engines, through the same {@link ModelAdapter} every method uses: the
 * oneDNN executor and the plain-Java reference executor (both running the plan compiled from the network), and the
 * DL4J twin (DL4J's own inference and backward). {@code network=zoo} is DL4J's zoo ResNet-50 (random He-initialised
 * weights), which all three run; {@code network=torchvision} is torchvision's layout ({@link TorchvisionResNet50Plan},
 * 4.09 GMAC), which only the plan executors run, for comparison with torch. Measured: the inference forward alone, and
 * Grad-CAM's pass (forward capturing the last spatial layer, backward from the class scores to it), and Grad-CAM end
 * to end (the pass plus the maps at 224², class 281, as {@code ../shared/peers/bench_pgc.py} times it). Run it with
 * {@code OMP_WAIT_POLICY=passive} on a shared machine: ND4J's and oneDNN's spinning OpenMP threads otherwise starve
 * each other, and the oneDNN figures measure the contention.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class OneDnnPassBenchmark {
    @Param({"onednn", "cpu-reference", "dl4j"})
    public String engine;

    @Param({"zoo"})
    public String network;

    @Param({"1"})
    public int batch;

    private ModelAdapter model;
    private INDArray inputs;
    private INDArray oneHot;
    private String camLayer;
    private GradCam gradCam;
    private ExplainRequest classRequest;

    @Setup(Level.Trial)
    public void setUp() {
        ModelCard card = new ModelCard(3, 224, 224, 1.0 / 255, List.of());
        PlanExecutor executor = switch (engine) {
            case "onednn" -> new OneDnnExecutor();
            case "cpu-reference" -> new CpuReferenceExecutor();
            case "dl4j" -> null;
            default -> throw new IllegalArgumentException("unknown engine '" + engine + "'; valid: onednn, cpu-reference, dl4j");
        };
        if (network.equals("torchvision")) {
            if (executor == null) {
                throw new IllegalArgumentException("DL4J has no torchvision ResNet-50; use engine=onednn or cpu-reference");
            }
            model = PlanModel.of(executor.compile(TorchvisionResNet50Plan.build(224, 1)), card, "torchvision-resnet50");
            camLayer = TorchvisionResNet50Plan.LAST_BLOCK;
        } else {
            ComputationGraph graph = ResNet50.builder().numClasses(1000).seed(1).build().init();
            Reinitialise.heNormal(graph, 3);
            model = executor == null ? Dl4jModel.of(graph, card, "resnet50") : PlanModel.of(graph, card, "resnet50", executor);
            camLayer = model.defaultCamLayer();
        }
        Nd4j.getRandom().setSeed(2);
        inputs = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224);
        oneHot = Nd4j.zeros(DataType.FLOAT, batch, 1000);
        for (int i = 0; i < batch; i++) {
            oneHot.putScalar(i, (i * 37) % 1000, 1.0);
        }
        // The whole method, as pytorch-grad-cam's bench calls it: class 281 for every image, maps upsampled to 224².
        gradCam = new GradCam(model, new CpuBackend(Runtime.getRuntime().availableProcessors()), camLayer);
        classRequest = ExplainRequest.of(inputs, new Target.ClassIndex(281), 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public INDArray forward() {
        return model.logits(inputs);
    }

    @Benchmark
    public INDArray gradCamPass() {
        try (ModelPass pass = model.forward(inputs, camLayer)) {
            return pass.backward(oneHot);
        }
    }

    /** Grad-CAM end to end: the pass, the channel weights, the weighted sum and the bilinear upsampling to 224². */
    @Benchmark
    public List<Heatmap> gradCam() {
        return gradCam.explain(classRequest);
    }
}
