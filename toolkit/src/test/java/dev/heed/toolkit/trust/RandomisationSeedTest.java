package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.FashionCnn;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The randomisation test's weights come from its seed alone, not from ND4J's global generator. */
class RandomisationSeedTest {

    private static INDArray redrawn(long seed) {
        MultiLayerNetwork network = FashionCnn.build(5);
        Layer conv2 = java.util.Arrays.stream(network.getLayers())
                .filter(l -> "conv2".equals(l.conf().getLayer().getLayerName())).findFirst().orElseThrow();
        // Whatever state the global generator is in must not matter.
        Nd4j.getRandom().setSeed(System.nanoTime());
        Nd4j.rand(7, 7);
        dev.heed.toolkit.model.Reinitialise.heNormal(conv2, seed);
        return conv2.getParam("W").dup();
    }

    @Test
    void weightsDependOnTheSeedOnly() {
        INDArray a = redrawn(3);
        INDArray b = redrawn(3);
        INDArray c = redrawn(4);
        assertEquals(a, b, "same seed, same weights");
        assertFalse(a.equals(c), "another seed, other weights");
        long fanIn = a.rank() == 4 ? a.size(1) * a.size(2) * a.size(3) : a.size(0);
        double expected = Math.sqrt(2.0 / fanIn);
        assertEquals(expected, a.stdNumber().doubleValue(), 0.1 * expected, "He-normal: N(0, 2 / fanIn)");
        assertEquals(0, a.meanNumber().doubleValue(), 0.1 * expected);
    }

    @Test
    void theStepsRepeatWhateverTheGlobalGeneratorDid() {
        MultiLayerNetwork network = FashionCnn.build(5);
        var card = TestModels.card(1, 28, 28, 10);
        Nd4j.getRandom().setSeed(4);
        ExplainRequest request = ExplainRequest.of(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28), Target.top1(), 0);
        try (CpuBackend backend = new CpuBackend(2)) {
            List<double[]> first = figures(Randomisation.run(network, card, m -> new VanillaGradient(m, backend), request, true, 9));
            Nd4j.getRandom().setSeed(System.nanoTime());
            Nd4j.rand(100, 100);
            List<double[]> second = figures(Randomisation.run(network, card, m -> new VanillaGradient(m, backend), request, true, 9));
            for (int i = 0; i < first.size(); i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(first.get(i), second.get(i), "step " + i);
            }
        }
    }

    private static List<double[]> figures(List<Randomisation.Step> steps) {
        return steps.stream().map(s -> new double[] {s.spearman(), s.spearmanOfMagnitudes(), s.ssim(), s.hog()}).toList();
    }
}
