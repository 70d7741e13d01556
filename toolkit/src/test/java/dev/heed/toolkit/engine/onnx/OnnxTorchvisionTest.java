package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * torchvision's own ResNet-18 and full-width MobileNetV2 exports (random weights, 45 MB and 14 MB, so not committed), where
 * make_models.py has written them: {@code /usr/bin/python3 make_models.py --torchvision DIR}, then
 * {@code mvn -pl toolkit test -Dtest=OnnxTorchvisionTest -Dheed.onnx.torchvision=DIR}. Skipped without that property
 * (CI has no torch).
 */
class OnnxTorchvisionTest {
    private static Path dir() {
        String dir = System.getProperty("heed.onnx.torchvision");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir)),
                "unverified: run make_models.py --torchvision DIR and pass -Dheed.onnx.torchvision=DIR");
        return Path.of(dir);
    }

    @Test
    void resnet18GivesTorchsLogitsAndInputGradient() throws Exception {
        Path dir = dir();
        Plan plan = OnnxPlanImporter.read(dir.resolve("resnet18.onnx"));
        int[] shape = {2, 3, 112, 112};
        HostTensor input = new HostTensor(shape, Npy.read(dir.resolve("resnet18.input.npy")));
        assertEquals(1000, plan.numClasses());
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(input, null)) {
            OnnxPlanImporterTest.assertClose("resnet18 logits vs torch",
                    new HostTensor(new int[] {2, 1000}, Npy.read(dir.resolve("resnet18.logits.npy"))), pass.logits());
            OnnxPlanImporterTest.assertClose("resnet18 input gradient vs torch",
                    new HostTensor(shape, Npy.read(dir.resolve("resnet18.grad.npy"))), pass.backward(OnnxTestModels.classWeights(1000)));
            OnnxPlanImporterTest.assertClose("resnet18 logits vs onnxruntime",
                    OnnxTestModels.onnxRuntime(Files.readAllBytes(dir.resolve("resnet18.onnx")), input), pass.logits());
        }
        System.out.println("onnx resnet18 spatial capture points: " + plan.spatialCaptures().size() + ", last "
                + plan.spatialCaptures().get(plan.spatialCaptures().size() - 1));
    }

    @Test
    void mobilenetV2GivesTorchsLogitsAndInputGradient() throws Exception {
        Path dir = dir();
        Plan plan = OnnxPlanImporter.read(dir.resolve("mobilenet_v2.onnx"));
        int[] shape = {2, 3, 112, 112};
        HostTensor input = new HostTensor(shape, Npy.read(dir.resolve("mobilenet_v2.input.npy")));
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(input, null)) {
            OnnxPlanImporterTest.assertClose("mobilenet_v2 logits vs torch",
                    new HostTensor(new int[] {2, 1000}, Npy.read(dir.resolve("mobilenet_v2.logits.npy"))), pass.logits());
            OnnxPlanImporterTest.assertClose("mobilenet_v2 input gradient vs torch",
                    new HostTensor(shape, Npy.read(dir.resolve("mobilenet_v2.grad.npy"))), pass.backward(OnnxTestModels.classWeights(1000)));
        }
    }
}
