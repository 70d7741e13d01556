package dev.heed.benchmarks;

import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.FashionCnn;
import dev.heed.toolkit.model.ModelCard;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one saliency backward pass costs on the bundled Fashion-MNIST architecture, side by side: DL4J's own
 * {@code calculateGradients} (training-mode forward, every weight gradient, all the way to the input), Heed's
 * inference-mode input gradient (no weight gradients), Heed's Grad-CAM pass (backward stops at the last spatial layer),
 * and the inference forward pass alone (Heed's and DL4J's {@code output}) as the floor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GradientPassBenchmark extends PassBenchmark {
    @Param({"32"})
    public int batch;

    private MultiLayerNetwork network;

    @Setup(Level.Trial)
    public void setUp() {
        network = FashionCnn.build(7);
        model = Dl4jModel.of(network, new ModelCard(1, 28, 28, 1.0 / 255, List.of()), "benchmark");
        camLayer = "pool2";
        Nd4j.getRandom().setSeed(7);
        inputs = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        oneHot = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            oneHot.putScalar(i, i % 10, 1.0);
        }
    }

    @Benchmark
    public INDArray dl4jCalculateGradients() {
        return network.calculateGradients(inputs, oneHot, null, null).getSecond();
    }

    @Benchmark
    public INDArray dl4jOutput() {
        return network.output(inputs, false);
    }
}
