package dev.heed.toolkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.data.FashionMnist;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The committed model on the committed Fashion-MNIST test images: it is trained, and the methods behave on it. */
class BundledModelTest {
    private static final Dl4jModel MODEL = TestModels.bundled();

    private static List<Path> samples() throws Exception {
        try (Stream<Path> s = Files.list(TestModels.FASHION_SAMPLES)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    private static INDArray batch(List<Path> files) throws Exception {
        float[] data = new float[files.size() * 28 * 28];
        for (int i = 0; i < files.size(); i++) {
            InputImage image = InputImage.read(files.get(i));
            System.arraycopy(ModelInput.prepare(image.rgb(), image.width(), image.height(), MODEL.card()), 0, data, i * 784, 784);
        }
        return Nd4j.create(data, new long[] {files.size(), 1, 28, 28}, 'c');
    }

    @Test
    void classifiesMostBundledTestImagesCorrectly() throws Exception {
        List<Path> files = samples();
        assertEquals(20, files.size());
        INDArray predicted = MODEL.logits(batch(files)).argMax(1);
        int correct = 0;
        for (int i = 0; i < files.size(); i++) {
            String name = files.get(i).getFileName().toString();
            String truth = name.substring(5, name.length() - 4);
            if (FashionMnist.CLASS_NAMES.get(predicted.getInt(i)).equals(truth)) {
                correct++;
            }
        }
        assertTrue(correct >= 16, "only " + correct + " of 20 correct; an untrained model gets about 2");
    }

    @Test
    void camLayerDefaultsToTheLastSpatialLayer() {
        assertEquals("pool2", MODEL.defaultCamLayer());
        assertEquals(List.of("conv1", "pool1", "conv2", "bn2", "relu2", "pool2"), MODEL.spatialLayers());
    }

    @Test
    void integratedGradientsCompletenessGapShrinksOnTheRealModel() throws Exception {
        INDArray x = batch(samples().subList(0, 6));
        try (CpuBackend backend = new CpuBackend(2)) {
            double coarse = meanRelativeGap(new IntegratedGradients(MODEL, backend, 2, 0.0), x);
            double fine = meanRelativeGap(new IntegratedGradients(MODEL, backend, 64, 0.0), x);
            assertTrue(fine < coarse, "64 steps: " + fine + ", 2 steps: " + coarse);
            assertTrue(fine < 0.05, "64 steps leave a relative gap of " + fine);
        }
    }

    private static double meanRelativeGap(IntegratedGradients ig, INDArray x) {
        List<Heatmap> maps = ig.explain(ExplainRequest.of(x, Target.top1(), 0));
        return maps.stream().mapToDouble(m -> m.diagnostics().get("relativeCompletenessGap")).average().orElseThrow();
    }
}
