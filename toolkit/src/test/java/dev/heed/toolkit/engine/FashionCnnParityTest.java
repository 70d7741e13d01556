package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The bundled Fashion-MNIST CNN on real sample images: the plan on the reference executor against Heed's DL4J twin. */
class FashionCnnParityTest {
    private static Dl4jModel oracle;
    private static CompiledPlan engine;
    private static HostTensor images;
    private static INDArray imagesNd;

    @BeforeAll
    static void load() throws Exception {
        oracle = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
        MultiLayerNetwork network = (MultiLayerNetwork) Dl4jModels.restore(TestModels.BUNDLED_MODEL);
        Plan plan = PlanCompiler.compile(network, oracle.inputShape());
        engine = new CpuReferenceExecutor().compile(plan);
        List<Path> files;
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().limit(4).toList();
        }
        float[] data = new float[files.size() * 784];
        for (int i = 0; i < files.size(); i++) {
            InputImage image = InputImage.read(files.get(i));
            System.arraycopy(ModelInput.prepare(image.rgb(), image.width(), image.height(), oracle.card()), 0, data, i * 784, 784);
        }
        images = new HostTensor(new int[] {files.size(), 1, 28, 28}, data);
        imagesNd = Parity.nd(images, DataType.FLOAT);
    }

    @AfterAll
    static void close() {
        engine.close();
        oracle.close();
    }

    @Test
    void thePlanHasTheLayersAndCapturePointsOfTheTwin() {
        Plan plan = engine.plan();
        assertEquals(oracle.spatialLayers(), plan.spatialCaptures());
        assertEquals(oracle.numClasses(), plan.numClasses());
        assertEquals(List.of("conv1", "pool1", "conv2", "bn2", "relu2", "pool2", "fc1", "logits"), List.copyOf(plan.captures().keySet()));
    }

    @Test
    void logitsMatch() {
        Parity.assertClose("fashion-cnn logits", engine.logits(images), oracle.logits(imagesNd));
    }

    @Test
    void inputGradientsMatchForTheTopClassAndForMixedWeights() {
        HostTensor top = topClassWeights(engine.logits(images));
        HostTensor mixed = Parity.random(11, images.batch(), 10);
        for (HostTensor weights : List.of(top, mixed)) {
            try (PlanPass pass = engine.forward(images, null)) {
                Parity.assertClose("fashion-cnn input gradient", pass.backward(weights),
                        Parity.oracleGradient(oracle, imagesNd, null, Parity.nd(weights, DataType.FLOAT)));
            }
        }
    }

    @Test
    void capturedLayerAndItsGradientMatch() {
        HostTensor weights = Parity.random(12, images.batch(), 10);
        for (String layer : List.of("pool2", "conv2")) {
            try (PlanPass pass = engine.forward(images, layer)) {
                Parity.assertClose("fashion-cnn capture " + layer, pass.captured(), Parity.oracleCapture(oracle, imagesNd, layer));
                Parity.assertClose("fashion-cnn gradient at " + layer, pass.backward(weights),
                        Parity.oracleGradient(oracle, imagesNd, layer, Parity.nd(weights, DataType.FLOAT)));
            }
        }
    }

    @Test
    void guidedInputGradientMatchesTheGuidedTwin() {
        HostTensor top = topClassWeights(engine.logits(images));
        try (PlanPass pass = engine.forward(images, null)) {
            Parity.assertClose("fashion-cnn guided input gradient", pass.backward(top, ReluGradient.GUIDED),
                    Parity.oracleGradient(oracle.guided(), imagesNd, null, Parity.nd(top, DataType.FLOAT)));
        }
    }

    static HostTensor topClassWeights(HostTensor logits) {
        int n = logits.batch();
        int k = logits.shape()[1];
        float[] w = new float[n * k];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (logits.data()[i * k + j] > logits.data()[i * k + best]) {
                    best = j;
                }
            }
            w[i * k + best] = 1;
        }
        return new HostTensor(new int[] {n, k}, w);
    }
}
