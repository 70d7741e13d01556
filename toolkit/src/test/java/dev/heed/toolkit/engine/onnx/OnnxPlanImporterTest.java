package dev.heed.toolkit.engine.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.Parity;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.plan.ActivationKind;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.UnsupportedLayerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX importer on the CPU reference executor, against two oracles no one here wrote: torch (the logits and input
 * gradients make_models.py saved when it exported the models) and ONNX Runtime (run here on the same file). Both within
 * the engine's 1e-4 of the largest magnitude. Hand-made graphs pin the padding conventions (ONNX's pads order,
 * SAME_UPPER/SAME_LOWER, ceil_mode) against ONNX Runtime, and the refusals and corrupt-file errors to one line.
 */
class OnnxPlanImporterTest {

    /** max |ours - oracle| / max |oracle|, printed, and held to the engine's tolerance. */
    static double assertClose(String what, HostTensor oracle, HostTensor ours) {
        assertArrayEquals(oracle.shape(), ours.shape(), what + " shape");
        double scale = oracle.maxAbs();
        assertTrue(scale > 0, what + ": the oracle is all zeros; the comparison would prove nothing");
        double worst = 0;
        for (int i = 0; i < oracle.data().length; i++) {
            worst = Math.max(worst, Math.abs(oracle.data()[i] - ours.data()[i]));
        }
        System.out.printf("onnx parity %-44s max relative error %.2e%n", what, worst / scale);
        assertTrue(worst / scale <= Parity.TOLERANCE, what + ": max relative error " + worst / scale);
        return worst / scale;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "tiny_mixed", "tiny_grouped", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void torchExportsGiveTorchsLogitsAndInputGradients(String name) throws Exception {
        Plan plan = OnnxPlanImporter.read(OnnxTestModels.resource(name + ".onnx"));
        int[] shape = OnnxTestModels.inputShape(plan);
        HostTensor input = OnnxTestModels.npy(name + ".input.npy", shape);
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(input, null)) {
            assertClose(name + " logits vs torch", OnnxTestModels.npy(name + ".logits.npy", 2, 10), pass.logits());
            assertClose(name + " input gradient vs torch", OnnxTestModels.npy(name + ".grad.npy", shape),
                    pass.backward(OnnxTestModels.classWeights(plan.numClasses())));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny_resnet", "tiny_mixed", "tiny_grouped", "mobilenet_v2_w025", "mobilenet_v3_small_w025"})
    void torchExportsGiveOnnxRuntimesLogits(String name) throws Exception {
        Path file = OnnxTestModels.resource(name + ".onnx");
        Plan plan = OnnxPlanImporter.read(file);
        int[] shape = OnnxTestModels.inputShape(plan);
        shape[0] = 3;
        HostTensor input = Parity.random(11, shape);   // a batch size the export never saw
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(input, null)) {
            assertClose(name + " logits vs onnxruntime", OnnxTestModels.onnxRuntime(Files.readAllBytes(file), input), pass.logits());
        }
    }

    @Test
    void imagenetNormalisationIsTheFirstOpAndGivesOnnxRuntimesLogitsOnNormalisedPixels() throws Exception {
        Path file = OnnxTestModels.resource("tiny_resnet.onnx");
        OnnxPlanImporter.Normalisation imagenet = OnnxPlanImporter.Normalisation.IMAGENET;
        Plan plan = OnnxPlanImporter.read(file, imagenet);
        assertEquals(OnnxPlanImporter.NORMALISATION_LAYER, plan.ops().get(0).layer());
        assertFalse(plan.captures().containsKey(OnnxPlanImporter.NORMALISATION_LAYER), "the normalisation is no capture point");
        HostTensor pixels = Parity.random(4, 2, 3, 32, 32);
        float[] normalised = pixels.data().clone();
        for (int i = 0; i < normalised.length; i++) {
            int c = (i / (32 * 32)) % 3;
            normalised[i] = (normalised[i] - imagenet.mean()[c]) / imagenet.std()[c];
        }
        HostTensor oracle = OnnxTestModels.onnxRuntime(Files.readAllBytes(file), new HostTensor(pixels.shape(), normalised));
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(pixels, null)) {
            assertClose("tiny_resnet imagenet-normalised vs onnxruntime", oracle, pass.logits());
        }
    }

    @Test
    void theResNetsOpsAndCapturePointsAreThere() throws Exception {
        Plan plan = OnnxPlanImporter.read(OnnxTestModels.resource("tiny_resnet.onnx"));
        // The BatchNorm after the Concat is folded to a per-channel affine (torch fused the others into their Convs).
        assertEquals(1, plan.ops().stream().filter(op -> op instanceof Op.ChannelAffine).count(), plan.describe());
        assertEquals(2, plan.ops().stream().filter(op -> op instanceof Op.Add).count(), plan.describe());
        assertEquals(1, plan.ops().stream().filter(op -> op instanceof Op.Concat).count(), plan.describe());
        // A capture point by output name and by node name, on the same tensor.
        assertEquals(plan.capture("/block2/relu_1/Relu_output_0"), plan.capture("/block2/relu_1/Relu"));
        assertArrayEquals(new int[] {16, 8, 8}, plan.capture("/block2/relu_1/Relu").shape());
        assertTrue(plan.spatialCaptures().contains("/block2/relu_1/Relu"), plan.spatialCaptures().toString());
        assertEquals(10, plan.numClasses());
    }

    @Test
    void theTorchFlattenPatternFoldsAndMatMulFusesWithItsBias() throws Exception {
        Plan plan = OnnxPlanImporter.read(OnnxTestModels.resource("tiny_mixed.onnx"));
        // Shape -> Gather -> Unsqueeze -> Concat -> Reshape became one reshape to [256]; MatMul + Add one dense op.
        assertTrue(plan.ops().stream().anyMatch(op -> op instanceof Op.Reshape && plan.tensor(op.output()).size() == 256
                && !plan.tensor(op.output()).isSpatial()), plan.describe());
        Op.Dense matMul = (Op.Dense) plan.ops().stream().filter(op -> op.layer().equals("/Add_1")).findFirst().orElseThrow();
        assertEquals(256, matMul.inFeatures());
        assertTrue(matMul.bias() != null, "the Add's bias went into the dense op");
    }

    /** Hand-made graphs, each ending in a Flatten so that every pixel is compared; ONNX Runtime is the oracle. */
    @Test
    void windowsAndPaddingFollowOnnxRuntime() throws Exception {
        Random random = new Random(5);
        float[] w = new float[3 * 2 * 2 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextFloat() * 2 - 1;
        }
        float[] w3 = Arrays.copyOf(w, 3 * 2 * 3 * 1);
        record Case(String what, byte[] model, int[] shape) { }
        Case[] cases = {
                new Case("Conv pads [top=1, left=0, bottom=0, right=2]", new OnnxTestModels.Graph(13, "x", -1, 2, 5, 6)
                        .initializer("w", w3, 3, 2, 3, 1)
                        .node("conv", "Conv", new String[] {"x", "w"}, "y", "pads", new long[] {1, 0, 0, 2})
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 3 * 4 * 8), new int[] {2, 2, 5, 6}),
                new Case("Conv SAME_LOWER stride 2", new OnnxTestModels.Graph(13, "x", -1, 2, 5, 6)
                        .initializer("w", w, 3, 2, 2, 2)
                        .node("conv", "Conv", new String[] {"x", "w"}, "y", "auto_pad", "SAME_LOWER", "strides", new long[] {2, 2})
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 3 * 3 * 3), new int[] {2, 2, 5, 6}),
                new Case("Conv SAME_UPPER", new OnnxTestModels.Graph(13, "x", -1, 2, 5, 6)
                        .initializer("w", w, 3, 2, 2, 2)
                        .node("conv", "Conv", new String[] {"x", "w"}, "y", "auto_pad", "SAME_UPPER")
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 3 * 5 * 6), new int[] {2, 2, 5, 6}),
                new Case("MaxPool ceil_mode 3x3/2 on 8x8", new OnnxTestModels.Graph(13, "x", -1, 2, 8, 8)
                        .node("pool", "MaxPool", new String[] {"x"}, "y", "kernel_shape", new long[] {3, 3},
                                "strides", new long[] {2, 2}, "ceil_mode", 1L)
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 2 * 4 * 4), new int[] {2, 2, 8, 8}),
                new Case("AveragePool SAME_UPPER without padding", new OnnxTestModels.Graph(13, "x", -1, 2, 7, 8)
                        .node("pool", "AveragePool", new String[] {"x"}, "y", "kernel_shape", new long[] {3, 3},
                                "strides", new long[] {2, 2}, "auto_pad", "SAME_UPPER")
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 2 * 4 * 4), new int[] {2, 2, 7, 8}),
                new Case("AveragePool counting padding", new OnnxTestModels.Graph(13, "x", -1, 2, 7, 8)
                        .node("pool", "AveragePool", new String[] {"x"}, "y", "kernel_shape", new long[] {3, 3},
                                "pads", new long[] {1, 1, 1, 1}, "count_include_pad", 1L)
                        .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 2 * 7 * 8), new int[] {2, 2, 7, 8}),
        };
        for (Case c : cases) {
            Plan plan = OnnxPlanImporter.read(c.model(), c.what());
            HostTensor input = Parity.random(c.what().length(), c.shape());
            try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
                 PlanPass pass = compiled.forward(input, null)) {
                assertClose(c.what(), OnnxTestModels.onnxRuntime(c.model(), input), pass.logits());
            }
        }
    }

    /** An in-graph (x - mean) / std, a scale and a flip by constants, and a Sum, against ONNX Runtime. */
    @Test
    void arithmeticWithConstantsFollowsOnnxRuntime() throws Exception {
        Random random = new Random(9);
        float[] w = new float[4 * 3 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextFloat() * 2 - 1;
        }
        byte[] model = new OnnxTestModels.Graph(13, "x", -1, 3, 6, 6)
                .initializer("mean", new float[] {0.485f, 0.456f, 0.406f}, 1, 3, 1, 1)
                .initializer("std", new float[] {0.229f, 0.224f, 0.225f}, 1, 3, 1, 1)
                .initializer("two", new float[] {2f})
                .initializer("one", new float[] {1f})
                .initializer("w", w, 4, 3, 3, 3)
                .node("centre", "Sub", new String[] {"x", "mean"}, "a")
                .node("scale", "Div", new String[] {"a", "std"}, "b")
                .node("double", "Mul", new String[] {"b", "two"}, "c")
                .node("flip", "Sub", new String[] {"one", "c"}, "d")
                .node("conv", "Conv", new String[] {"d", "w"}, "e", "pads", new long[] {1, 1, 1, 1})
                .node("relu", "Relu", new String[] {"e"}, "f")
                .node("sum", "Sum", new String[] {"e", "f", "e"}, "g")
                .node("flat", "Flatten", new String[] {"g"}, "z").output("z", -1, 4 * 36);
        Plan plan = OnnxPlanImporter.read(model, "arithmetic");
        HostTensor input = Parity.random(2, 2, 3, 6, 6);
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = compiled.forward(input, null)) {
            assertClose("Sub, Div, Mul, constant - x, Sum", OnnxTestModels.onnxRuntime(model, input), pass.logits());
        }
    }

    @Test
    void twoInputsAndDynamicSpatialSizesAreRefused() {
        byte[] twoInputs = new OnnxTestModels.Graph(13, "x", -1, 4).input("y", -1, 4)
                .node("add", "Add", new String[] {"x", "y"}, "z").output("z", -1, 4);
        assertTrue(refusalOf(twoInputs).contains("has 2 inputs and 1 outputs; Heed's engine takes ONNX classifiers with one of each"));
        byte[] dynamic = new OnnxTestModels.Graph(13, "x", -1, 3, -1, -1)
                .node("pool", "GlobalAveragePool", new String[] {"x"}, "y")
                .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 3);
        assertTrue(refusalOf(dynamic).contains("has a dynamic or invalid size on axis 2 (d2)"));
    }

    private static String refusalOf(byte[] model) {
        String message = refusal(model);
        System.out.println("onnx refusal: " + message);
        return message;
    }

    @Test
    void samePaddingPutsTheOddPixelWhereOnnxSays() {
        assertArrayEquals(new int[] {0, 1}, OnnxPlanImporter.samePadding(5, 2, 1, 1, true));
        assertArrayEquals(new int[] {1, 0}, OnnxPlanImporter.samePadding(5, 2, 1, 1, false));
        assertArrayEquals(new int[] {1, 1}, OnnxPlanImporter.samePadding(8, 3, 1, 1, true));
    }

    private static String refusal(byte[] model) {
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> OnnxPlanImporter.read(model, "m.onnx"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    /** MobileNets' ops arrive as what they are: depthwise convolutions, ReLU6 as a clip, hard swish, the SE gate. */
    @Test
    void theMobileNetsOpsArriveAsPlanOps() throws Exception {
        Plan v2 = OnnxPlanImporter.read(OnnxTestModels.resource("mobilenet_v2_w025.onnx"));
        assertEquals(17, v2.ops().stream().filter(op -> op instanceof Op.Conv2d c && c.groups() > 1 && c.groups() == c.inChannels()).count(),
                v2.describe());
        assertEquals(35, v2.ops().stream().filter(op -> op instanceof Op.Activation a && a.kind() == ActivationKind.CLIP
                && a.alpha() == 0 && a.beta() == 6).count(), v2.describe());
        Plan v3 = OnnxPlanImporter.read(OnnxTestModels.resource("mobilenet_v3_small_w025.onnx"));
        assertTrue(v3.ops().stream().anyMatch(op -> op instanceof Op.Activation a && a.kind() == ActivationKind.HARD_SWISH), v3.describe());
        long gates = v3.ops().stream().filter(op -> op instanceof Op.Multiply m && v3.tensor(m.b()).height() == 1
                && v3.tensor(m.a()).height() > 1).count();
        assertEquals(9, gates, "one squeeze-and-excitation gate per block that has one\n" + v3.describe());
    }

    @Test
    void aConvolutionWhoseGroupsDoNotFitItsWeightIsAnIoError() {
        byte[] model = new OnnxTestModels.Graph(13, "x", -1, 4, 6, 6)
                .initializer("w", new float[4 * 2 * 3 * 3], 4, 2, 3, 3)
                .node("grouped", "Conv", new String[] {"x", "w"}, "y", "group", 4L)
                .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 64);
        IOException e = assertThrows(IOException.class, () -> OnnxPlanImporter.read(model, "m.onnx"));
        assertEquals("m.onnx: node 'grouped' (Conv): 4 groups and a weight of shape [4, 2, 3, 3] do not fit an input of 4 channels",
                e.getMessage());
    }

    @Test
    void aGroupedConvolutionAndHardActivationsGiveOnnxRuntimesValues() throws Exception {
        Random random = new Random(8);
        float[] w = new float[6 * 2 * 3 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        byte[] model = new OnnxTestModels.Graph(14, "x", -1, 4, 6, 5)
                .initializer("w", w, 6, 2, 3, 3)
                .initializer("lo", new float[] {-0.5f})
                .initializer("hi", new float[] {1.5f})
                .node("grouped", "Conv", new String[] {"x", "w"}, "c", "group", 2L, "pads", new long[] {1, 0, 1, 2})
                .node("clip", "Clip", new String[] {"c", "lo", "hi"}, "d")
                .node("hs", "HardSigmoid", new String[] {"c"}, "e", "alpha", 0.3f, "beta", 0.4f)
                .node("swish", "HardSwish", new String[] {"c"}, "f")
                .node("sig", "Sigmoid", new String[] {"f"}, "g")
                .node("silu", "Mul", new String[] {"f", "g"}, "h")
                .node("sum", "Sum", new String[] {"d", "e", "h"}, "i")
                .node("flat", "Flatten", new String[] {"i"}, "z").output("z", -1, 6 * 6 * 6);
        Plan plan = OnnxPlanImporter.read(model, "m.onnx");
        HostTensor input = Parity.random(12, 2, 4, 6, 5);
        try (CompiledPlan compiled = new CpuReferenceExecutor().compile(plan); PlanPass pass = compiled.forward(input, null)) {
            assertClose("grouped conv, clip, hard sigmoid, hard swish, SiLU vs onnxruntime", OnnxTestModels.onnxRuntime(model, input),
                    pass.logits());
        }
    }

    @Test
    void anUnknownOpIsRefusedNamingNodeOpAndOpset() {
        byte[] model = new OnnxTestModels.Graph(17, "x", -1, 4, 6, 6)
                .node("norm", "LRN", new String[] {"x"}, "y", "size", 3L)
                .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 144);
        assertEquals("node 'norm' (LRN, opset 17) is not supported by Heed's engine", refusal(model));
    }

    @Test
    void aProductWhoseShapesDoNotBroadcastPerChannelIsRefused() {
        byte[] model = new OnnxTestModels.Graph(13, "x", -1, 4, 6, 6)
                .initializer("w", new float[2 * 4], 2, 4, 1, 1)
                .node("squeeze", "Conv", new String[] {"x", "w"}, "c")
                .node("pool", "GlobalAveragePool", new String[] {"c"}, "g")
                .node("gate", "Mul", new String[] {"x", "g"}, "y")
                .node("flat", "Flatten", new String[] {"y"}, "z").output("z", -1, 144);
        assertEquals("node 'gate' (Mul, opset 13) multiplies [N, 4, 6, 6] by [N, 2, 1, 1]; Heed's engine multiplies tensors of one "
                + "shape, or [N, C, H, W] by [N, C, 1, 1]", refusal(model));
    }

    @Test
    void aClipWithAMaximumOnlyIsRefused() {
        byte[] model = new OnnxTestModels.Graph(13, "x", -1, 4)
                .initializer("hi", new float[] {6})
                .node("cap", "Clip", new String[] {"x", "", "hi"}, "y").output("y", -1, 4);
        String message = refusal(model);
        assertTrue(message.startsWith("node 'cap' (Clip, opset 13) clips to [-inf, 6.0]"), message);
    }

    @Test
    void corruptFilesGiveOneLineIoErrors(@TempDir Path dir) throws Exception {
        byte[] real = Files.readAllBytes(OnnxTestModels.resource("tiny_resnet.onnx"));
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(real, real.length / 2));
        Files.write(dir.resolve("noise.onnx"), noise);
        Files.writeString(dir.resolve("text.onnx"), "this is not a model\n");
        Files.write(dir.resolve("empty.onnx"), new byte[0]);
        for (String name : new String[] {"truncated.onnx", "noise.onnx", "text.onnx", "empty.onnx", "missing.onnx"}) {
            Path file = dir.resolve(name);
            IOException e = assertThrows(IOException.class, () -> OnnxPlanImporter.read(file), name);
            System.out.println("onnx corrupt " + name + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }
}
