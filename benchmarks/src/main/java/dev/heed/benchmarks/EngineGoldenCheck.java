package dev.heed.benchmarks;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.PlanFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The GPU bundle's check of the CUDA executor: the bundled CNN's plan, run on the device, against the golden outputs
 * the reference executor wrote at build time (logits, the captured layer, its gradient, standard and guided input
 * gradients), and the bundled ViT's (logits, attention probabilities, gate gradients, input gradient), each within
 * 1e-4 of its largest magnitude. Needs no DL4J.
 */
public final class EngineGoldenCheck {
    static final double TOLERANCE = 1e-4;

    private EngineGoldenCheck() {
    }

    /** True when every golden tensor agrees; prints one line per tensor. */
    public static boolean check(Path folder, CudaDevice device) throws IOException {
        Plan plan = plan(folder, "fashion-cnn");
        Map<String, HostTensor> golden = golden(folder, "fashion-cnn");
        HostTensor input = golden.get("input");
        HostTensor scoreWeights = golden.get("scoreWeights");
        String layer = golden.keySet().stream().filter(k -> k.startsWith("captured:")).findFirst().orElseThrow().substring("captured:".length());
        boolean ok = true;
        try (CompiledPlan compiled = new CudaPlanExecutor(device).compile(plan)) {
            try (PlanPass pass = compiled.forward(input, layer)) {
                ok &= agrees("engine logits", golden.get("logits"), pass.logits());
                ok &= agrees("engine captured " + layer, golden.get("captured:" + layer), pass.captured());
                ok &= agrees("engine gradient at " + layer, golden.get("gradient:" + layer), pass.backward(scoreWeights));
            }
            try (PlanPass pass = compiled.forward(input, null)) {
                ok &= agrees("engine input gradient", golden.get("gradient:input"), pass.backward(scoreWeights));
                ok &= agrees("engine guided input gradient", golden.get("guidedGradient:input"), pass.backward(scoreWeights, ReluGradient.GUIDED));
            }
        }
        if (Files.exists(folder.resolve("fashion-vit.plan"))) {
            ok &= checkVit(folder, device);
        } else {
            System.out.println("engine: no ViT golden outputs in " + folder + ": the transformer pass is UNCHECKED");
            ok = false;
        }
        return ok;
    }

    /** The bundled ViT: logits, every layer's attention probabilities, every gate's gradient and the input gradient. */
    private static boolean checkVit(Path folder, CudaDevice device) throws IOException {
        Plan plan = plan(folder, "fashion-vit");
        Map<String, HostTensor> golden = golden(folder, "fashion-vit");
        HostTensor scoreWeights = golden.get("scoreWeights");
        java.util.List<String> layers = golden.keySet().stream().filter(k -> k.startsWith("captured:"))
                .map(k -> k.substring("captured:".length())).toList();
        boolean ok = true;
        try (CompiledPlan compiled = new CudaPlanExecutor(device).compile(plan);
             PlanPass pass = compiled.forward(java.util.List.of(golden.get("input")), layers)) {
            ok &= agrees("vit logits", golden.get("logits"), pass.logits());
            for (String layer : layers) {
                ok &= agrees("vit " + layer, golden.get("captured:" + layer), pass.captured(layer));
            }
            for (Map.Entry<String, HostTensor> gate : pass.gateGradients(scoreWeights).entrySet()) {
                ok &= agrees("vit gate gradient " + gate.getKey(), golden.get("gateGradient:" + gate.getKey()), gate.getValue());
            }
            ok &= agrees("vit input gradient", golden.get("gradient:input"), pass.backward(scoreWeights));
        }
        return ok;
    }

    /** {@code NAME.plan}, as {@code EngineGoldenWriter} wrote it. */
    private static Plan plan(Path folder, String name) throws IOException {
        try (InputStream in = Files.newInputStream(folder.resolve(name + ".plan"))) {
            return PlanFormat.read(in);
        }
    }

    /** {@code NAME.golden}: the reference executor's tensors for that plan. */
    private static Map<String, HostTensor> golden(Path folder, String name) throws IOException {
        try (InputStream in = Files.newInputStream(folder.resolve(name + ".golden"))) {
            return EngineGoldens.read(in);
        }
    }

    private static boolean agrees(String what, HostTensor expected, HostTensor actual) {
        boolean ok = Arrays.equals(expected.shape(), actual.shape());
        double scale = expected.maxAbs();
        double worst = 0;
        for (int i = 0; ok && i < expected.data().length; i++) {
            worst = Math.max(worst, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        double relative = scale > 0 ? worst / scale : Double.POSITIVE_INFINITY;
        ok &= relative <= TOLERANCE;
        System.out.printf("%-40s %s (largest difference %.2e of the largest magnitude, shape %s)%n", what, ok ? "ok" : "MISMATCH", relative,
                Arrays.toString(actual.shape()));
        return ok;
    }
}
