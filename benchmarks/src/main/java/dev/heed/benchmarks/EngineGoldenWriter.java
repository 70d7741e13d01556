package dev.heed.benchmarks;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.adapter.VitPlanModel;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanFormat;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;

/**
 * Writes the GPU bundle's golden outputs, at bundle build time (this class needs DL4J; the bundle does not): the
 * bundled CNN's plan, and for four bundled images the reference executor's logits, the last spatial layer's
 * activations and gradient, and the standard and guided input gradients; with a ViT zip, the same for the bundled ViT
 * (see {@link #writeVit}). Usage: {@code EngineGoldenWriter OUTDIR MODEL.zip IMAGE_FOLDER [VIT.zip]}.
 */
public final class EngineGoldenWriter {
    private EngineGoldenWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args[0]));
        Path zip = Path.of(args[1]);
        Path images = Path.of(args[2]);
        Plan plan;
        float[] data;
        int[] shape;
        try (Dl4jModel model = Dl4jModels.load(zip, null)) {
            Model network = Dl4jModels.restore(zip);
            shape = model.inputShape();
            plan = PlanCompiler.compile(network, shape);
            List<Path> files;
            try (Stream<Path> s = Files.list(images)) {
                files = s.filter(p -> p.toString().endsWith(".png")).sorted().limit(4).toList();
            }
            int size = shape[0] * shape[1] * shape[2];
            data = new float[files.size() * size];
            for (int i = 0; i < files.size(); i++) {
                InputImage image = InputImage.read(files.get(i));
                System.arraycopy(ModelInput.prepare(image.rgb(), image.width(), image.height(), model.card()), 0, data, i * size, size);
            }
        }
        int batch = data.length / (shape[0] * shape[1] * shape[2]);
        HostTensor input = new HostTensor(new int[] {batch, shape[0], shape[1], shape[2]}, data);
        float[] weights = new float[batch * plan.numClasses()];
        for (int b = 0; b < batch; b++) {
            weights[b * plan.numClasses() + (3 * b) % plan.numClasses()] = 1;
        }
        HostTensor scoreWeights = new HostTensor(new int[] {batch, plan.numClasses()}, weights);
        List<String> spatial = plan.spatialCaptures();
        String layer = spatial.get(spatial.size() - 1);
        Map<String, HostTensor> golden = new LinkedHashMap<>();
        golden.put("input", input);
        golden.put("scoreWeights", scoreWeights);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan)) {
            try (PlanPass pass = reference.forward(input, layer)) {
                golden.put("logits", pass.logits());
                golden.put("captured:" + layer, pass.captured());
                golden.put("gradient:" + layer, pass.backward(scoreWeights));
            }
            try (PlanPass pass = reference.forward(input, null)) {
                golden.put("gradient:input", pass.backward(scoreWeights));
                golden.put("guidedGradient:input", pass.backward(scoreWeights, ReluGradient.GUIDED));
            }
        }
        try (OutputStream o = Files.newOutputStream(out.resolve("fashion-cnn.plan"))) {
            PlanFormat.write(plan, o);
        }
        try (OutputStream o = Files.newOutputStream(out.resolve("fashion-cnn.golden"))) {
            EngineGoldens.write(golden, o);
        }
        System.out.println("wrote the plan and " + golden.size() + " golden tensors of " + zip + " to " + out);
        if (args.length > 3) {
            writeVit(out, Path.of(args[3]), images);
        }
    }

    /**
     * The bundled ViT's plan (PlanFormat version 3) and, for two bundled images, the reference executor's logits,
     * every layer's attention probabilities, every gate's gradient ({@code dS/dA * A}, class-specific attention) and
     * the input gradient.
     */
    private static void writeVit(Path out, Path zip, Path images) throws Exception {
        VisionTransformer vit = VisionTransformer.load(zip);
        Plan plan = VitPlanModel.plan(vit);
        int[] shape = plan.input().shape();
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().limit(2).toList();
        }
        int size = shape[0] * shape[1] * shape[2];
        float[] data = new float[files.size() * size];
        for (int i = 0; i < files.size(); i++) {
            System.arraycopy(ModelInput.prepare(InputImage.read(files.get(i)), vit.card(), ModelInput.Resize.STRETCH), 0, data, i * size, size);
        }
        int batch = files.size();
        HostTensor input = new HostTensor(new int[] {batch, shape[0], shape[1], shape[2]}, data);
        float[] weights = new float[batch * plan.numClasses()];
        for (int b = 0; b < batch; b++) {
            weights[b * plan.numClasses() + (5 * b + 1) % plan.numClasses()] = 1;
        }
        HostTensor scoreWeights = new HostTensor(new int[] {batch, plan.numClasses()}, weights);
        List<String> probabilities = plan.captures().keySet().stream().filter(k -> k.endsWith(".probabilities")).sorted().toList();
        Map<String, HostTensor> golden = new LinkedHashMap<>();
        golden.put("input", input);
        golden.put("scoreWeights", scoreWeights);
        try (CompiledPlan reference = new CpuReferenceExecutor().compile(plan);
             PlanPass pass = reference.forward(List.of(input), probabilities)) {
            golden.put("logits", pass.logits());
            for (String layer : probabilities) {
                golden.put("captured:" + layer, pass.captured(layer));
            }
            pass.gateGradients(scoreWeights).forEach((gate, g) -> golden.put("gateGradient:" + gate, g));
            golden.put("gradient:input", pass.backward(scoreWeights));
        }
        try (OutputStream o = Files.newOutputStream(out.resolve("fashion-vit.plan"))) {
            PlanFormat.write(plan, o);
        }
        try (OutputStream o = Files.newOutputStream(out.resolve("fashion-vit.golden"))) {
            EngineGoldens.write(golden, o);
        }
        System.out.println("wrote the plan and " + golden.size() + " golden tensors of " + zip + " to " + out);
    }
}
