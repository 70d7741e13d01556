package dev.heed.benchmarks;

import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.ModelCard;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same comparison as {@link GradientPassBenchmark} on DL4J's zoo ResNet-50 at 224x224 (random He-initialised
 * weights: the pretrained ones would need a download, and weights do not change the arithmetic): DL4J's
 * {@code computeGradientAndScore} (training-mode forward, every weight gradient) against Heed's input gradient and Grad-CAM passes, with both forward passes as floors.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class ResNet50PassBenchmark extends PassBenchmark {
    @Param({"1"})
    public int batch;

    private ComputationGraph network;

    @Setup(Level.Trial)
    public void setUp() {
        network = ResNet50.builder().numClasses(1000).seed(1).build().init();
        Reinitialise.heNormal(network, 3);
        model = Dl4jModel.of(network, new ModelCard(3, 224, 224, 1.0 / 255, List.of()), "resnet50");
        camLayer = model.defaultCamLayer();
        inputs = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224);
        oneHot = Nd4j.zeros(DataType.FLOAT, batch, 1000);
        for (int i = 0; i < batch; i++) {
            oneHot.putScalar(i, i, 1.0);
        }
    }

    /** A graph has no calculateGradients in M2.1: its full backward is computeGradientAndScore (all weight gradients). */
    @Benchmark
    public INDArray dl4jComputeGradientAndScore() {
        network.setInputs(inputs);
        network.setLabels(oneHot);
        network.computeGradientAndScore();
        return network.gradient().gradient();
    }

    @Benchmark
    public INDArray dl4jOutput() {
        return network.outputSingle(inputs);
    }
}
