package dev.heed.toolkit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernels.CudaDevice;
import dev.heed.toolkit.TestModels;
import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.BackendProvider;
import dev.heed.toolkit.backend.HostRoundTrips;
import dev.heed.toolkit.backend.cuda.CudaBackend;
import dev.heed.toolkit.backend.cuda.CudaBackendProvider;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.cpu.CpuReferenceExecutor;
import dev.heed.toolkit.engine.cuda.CudaPlanExecutor;
import dev.heed.toolkit.method.cam.GradCam;
import dev.heed.toolkit.method.cam.GradCamPlusPlus;
import dev.heed.toolkit.method.gradient.GradientTimesInput;
import dev.heed.toolkit.method.gradient.GuidedBackprop;
import dev.heed.toolkit.method.gradient.IntegratedGradients;
import dev.heed.toolkit.method.perturbation.Occlusion;
import dev.heed.toolkit.method.smoothing.SmoothGrad;
import dev.heed.toolkit.method.gradient.VanillaGradient;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelAdapter;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The explanation end to end on the GPU: the bundled CNN's pass on Heed's CUDA engine hands its captured activations
 * and gradients to the CUDA backend's scope by a device-to-device copy, the map ops chain there, and only the logits
 * (for the targets) and the finished maps come down, counted by the device handles. The maps are the bits the old
 * path gave (download after the pass, upload for each op: {@link HostRoundTrips} over the same backend), which moved
 * more. Runs on a GPU, or in every build on the emulated driver; skipped, with the probe's reason, without one.
 */
class CudaResidentMethodsTest {
    private static final int BATCH = 3;
    private static CudaDevice engineDevice;
    private static CudaBackend backend;
    private static PlanModel model;
    private static INDArray images;

    @BeforeAll
    static void open() throws Exception {
        CudaBackendProvider provider = new CudaBackendProvider();
        BackendProvider.Probe probe = provider.probe();
        Assumptions.assumeTrue(probe.available(), () -> "unverified, no CUDA device: " + probe.reason());
        backend = (CudaBackend) provider.create(1);
        engineDevice = CudaDevice.open(0).device(); // the engine's own handle, as ModelPassEngine opens it
        try (Dl4jModel dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null)) {
            model = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(), new CudaPlanExecutor(engineDevice));
        }
        Nd4j.getRandom().setSeed(11);
        images = Nd4j.rand(DataType.FLOAT, BATCH, 1, 28, 28);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
            assertEquals(0, engineDevice.liveBuffers(), "the engine freed every buffer");
            engineDevice.close();
        }
        if (backend != null) {
            assertEquals(0, backend.liveBuffers(), "every scope freed its arrays");
            backend.close();
        }
    }

    private static long bytesToHost() {
        return engineDevice.bytesToHost() + backend.bytesToHost();
    }

    private static long bytesToDevice() {
        return engineDevice.bytesToDevice() + backend.bytesToDevice();
    }

    private record Run(List<Heatmap> maps, long bytesToHost, long bytesToDevice) {
    }

    private static Run run(Backend on, Function<Backend, SaliencyMethod> method) {
        long down = bytesToHost();
        long up = bytesToDevice();
        List<Heatmap> maps = method.apply(on).explain(ExplainRequest.of(images, Target.top1(), 5));
        return new Run(maps, bytesToHost() - down, bytesToDevice() - up);
    }

    private static void assertResident(String name, Function<Backend, SaliencyMethod> method) {
        assertResident(name, method, 1, 1);
    }


    /** {@code logitPasses} passes whose logits come down, {@code mapDownloads} map-sized downloads. */
    private static Run assertResident(String name, Function<Backend, SaliencyMethod> method, int logitPasses, int mapDownloads) {
        Run resident = run(backend, method);
        Run roundTrips = run(new HostRoundTrips(backend), method);
        assertEquals(BATCH, resident.maps().size());
        for (int i = 0; i < BATCH; i++) {
            assertEquals(roundTrips.maps().get(i).classIndex(), resident.maps().get(i).classIndex(), name + ": target");
            assertArrayEquals(roundTrips.maps().get(i).values(), resident.maps().get(i).values(), name + ": image " + i);
        }
        long logits = (long) logitPasses * BATCH * model.numClasses() * Float.BYTES;
        long maps = (long) mapDownloads * BATCH * 28 * 28 * Float.BYTES;
        System.out.printf("resident %-16s %7d bytes to the host, %7d to the device (round trips: %7d and %7d)%n", name,
                resident.bytesToHost(), resident.bytesToDevice(), roundTrips.bytesToHost(), roundTrips.bytesToDevice());
        assertEquals(logits + maps, resident.bytesToHost(), name + ": only the logits and the maps come down");
        assertTrue(roundTrips.bytesToHost() + roundTrips.bytesToDevice() > resident.bytesToHost() + resident.bytesToDevice(),
                name + ": the host path moves more");
        assertEquals(0, backend.liveBuffers(), name + ": the scope freed its arrays");
        return resident;
    }

    /** The maps {@code method} gives on the host path: the bundled CNN on the reference executor, the CPU backend. */
    private static List<Heatmap> onHostPath(java.util.function.BiFunction<ModelAdapter, Backend, SaliencyMethod> method) throws Exception {
        try (Dl4jModel dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
             PlanModel reference = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new CpuReferenceExecutor());
             CpuBackend cpu = new CpuBackend(1)) {
            assertEquals(0, reference.preferredPassRows(), "the reference executor takes one batch per pass: the host path");
            return method.apply(reference, cpu).explain(ExplainRequest.of(images, Target.top1(), 5));
        }
    }

    /** Each image's device map against its host-path map, within the parity tolerance. */
    private static void assertAgree(String what, List<Heatmap> host, List<Heatmap> device) {
        for (int i = 0; i < BATCH; i++) {
            double worst = relativeDifference(host.get(i).values(), device.get(i).values());
            System.out.printf("%s, image %d: %.2e of the host path's largest value%n", what, i, worst);
            assertTrue(worst <= Parity.TOLERANCE, what + ": image " + i + " differs from the host path by " + worst);
        }
    }

    /** The largest difference between two maps, relative to the first one's largest magnitude, which must not be zero. */
    private static double relativeDifference(float[] expected, float[] actual) {
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, "an all-zero map proves nothing");
        double worst = 0;
        for (int p = 0; p < expected.length; p++) {
            worst = Math.max(worst, Math.abs(expected[p] - actual[p]) / scale);
        }
        return worst;
    }

    @Test
    void camMethodsDownloadOnlyTheirMaps() {
        assertResident("gradcam", b -> new GradCam(model, b, "pool2"));
        assertResident("gradcam++ relu2", b -> new GradCamPlusPlus(model, b, "relu2"));
    }

    @Test
    void gradientMethodsDownloadOnlyTheirMaps() {
        assertResident("gradient", b -> new VanillaGradient(model, b));
        assertResident("guided-backprop", b -> new GuidedBackprop(model, b));
        assertResident("gradxinput", b -> new GradientTimesInput(model, b));
    }

    /**
     * Integrated Gradients with its 8 path steps made on the device from x - x' and stacked into one pass of 24 rows,
     * summed, divided and multiplied there: the round trips' bits; down come the logits of three passes (targets, S(x),
     * S(x')) and two maps (the completeness check's channel sum, and the map).
     */
    @Test
    void integratedGradientsStacksItsStepsAndKeepsThemOnTheDevice() {
        Run resident = assertResident("integrated-gradients", b -> new IntegratedGradients(model, b, 8, 0.0), 3, 2);
        long images = (long) BATCH * 28 * 28 * Float.BYTES;
        assertEquals(4 * images + 8L * BATCH * model.numClasses() * Float.BYTES + 8 * Float.BYTES, resident.bytesToDevice(),
                "up go the inputs of three logit passes, x - x' once, the stacked one-hot weights and the 8 alphas: no path point");
    }

    /**
     * The stacked steps in passes of at most 7 rows (2 steps of 3 images, 4 passes) give the maps of one 24-row pass,
     * and both give the host path's (one pass per step, on the reference executor) within the parity tolerance.
     */
    @Test
    void stackedStepsAgreeWithOnePassPerStep() throws Exception {
        List<Heatmap> onePass = new IntegratedGradients(model, backend, 8, 0.0).explain(ExplainRequest.of(images, Target.top1(), 5));
        List<Heatmap> chunked;
        try (Dl4jModel dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
             PlanModel small = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new CudaPlanExecutor(engineDevice).withPreferredPassRows(7))) {
            assertEquals(7, small.preferredPassRows());
            chunked = new IntegratedGradients(small, backend, 8, 0.0).explain(ExplainRequest.of(images, Target.top1(), 5));
        }
        List<Heatmap> perStep = onHostPath((m, b) -> new IntegratedGradients(m, b, 8, 0.0));
        for (int i = 0; i < BATCH; i++) {
            double worst = relativeDifference(perStep.get(i).values(), onePass.get(i).values());
            double chunkWorst = relativeDifference(onePass.get(i).values(), chunked.get(i).values());
            System.out.printf("integrated-gradients image %d: stacked vs per step %.2e, 4 passes vs 1 %.2e%n", i, worst, chunkWorst);
            assertTrue(worst <= Parity.TOLERANCE, "stacked steps differ from one pass per step by " + worst);
            assertTrue(chunkWorst <= 1e-6, "passes of 7 rows differ from one pass by " + chunkWorst);
            assertEquals(perStep.get(i).diagnostics().get("completenessGap"), onePass.get(i).diagnostics().get("completenessGap"),
                    1e-4 * Math.abs(onePass.get(i).score()) + 1e-5, "the completeness check");
        }
    }

    /**
     * SmoothGrad over the gradient and over gradient x input: the noise drawn on the device from each image's stream,
     * 6 samples of 3 images stacked into one pass of 18 rows; the round trips' bits (whose noise the host draws), and
     * only the logits and the maps come down.
     */
    @Test
    void smoothGradDrawsItsNoiseOnTheDevice() {
        assertResident("smoothgrad", b -> new SmoothGrad(new VanillaGradient(model, b), 6, 0.15));
        assertResident("smoothgrad gxi", b -> new SmoothGrad(new GradientTimesInput(model, b), 6, 0.15));
    }

    /** The device's noise is the host loop's: SmoothGrad's maps match the reference executor's, one pass per sample. */
    @Test
    void smoothGradOnTheDeviceAgreesWithTheHostPath() throws Exception {
        List<Heatmap> device = new SmoothGrad(new VanillaGradient(model, backend), 6, 0.15).explain(ExplainRequest.of(images, Target.top1(), 5));
        List<Heatmap> host = onHostPath((m, b) -> new SmoothGrad(new VanillaGradient(m, b), 6, 0.15));
        assertAgree("smoothgrad, device noise and pass", host, device);
    }

    /**
     * Occlusion with 7x7 windows at stride 3 (64 positions per image) on the engine: the occluded copies made on the
     * device, one pass of 64 copies per image, only logits down (the targets' pass, then each image's copies); the
     * round trips' bits, and the host path's maps (copies made in Java, the reference executor) within the tolerance.
     */
    @Test
    void occlusionMakesItsCopiesOnTheDevice() throws Exception {
        Function<Backend, SaliencyMethod> occlusion = b -> new Occlusion(model, b, 7, 3, 0.0);
        Run resident = assertResident("occlusion", occlusion, 1 + 64, 0);
        long image = 28L * 28 * Float.BYTES;
        assertEquals(BATCH * image + BATCH * (image + 64L * 2 * Integer.BYTES), resident.bytesToDevice(),
                "up go the targets' pass input and, per image, the image and its 64 windows' corners: no occluded copy");
        List<Heatmap> device = occlusion.apply(backend).explain(ExplainRequest.of(images, Target.top1(), 5));
        List<Heatmap> host = onHostPath((m, b) -> new Occlusion(m, b, 7, 3, 0.0));
        assertAgree("occlusion, device copies", host, device);
    }

    /**
     * A loop over passes holds one pass's arrays at a time: Integrated Gradients in 8 passes (3 rows each) peaks at as
     * many device buffers of the backend's as in 2 passes (12 rows), and so do SmoothGrad and occlusion (whose copies
     * are released after each pass).
     */
    @Test
    void loopsOverPassesHoldOnePassAtATime() throws Exception {
        try (Dl4jModel dl4j = Dl4jModels.load(TestModels.BUNDLED_MODEL, null);
             PlanModel few = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new CudaPlanExecutor(engineDevice).withPreferredPassRows(12));
             PlanModel many = PlanModel.of(Dl4jModels.restore(TestModels.BUNDLED_MODEL), dl4j.card(), dl4j.fingerprint(),
                     new CudaPlanExecutor(engineDevice).withPreferredPassRows(3))) {
            List<Function<PlanModel, SaliencyMethod>> methods = List.of(
                    m -> new IntegratedGradients(m, backend, 8, 0.0),
                    m -> new SmoothGrad(new GradientTimesInput(m, backend), 8, 0.15),
                    m -> new Occlusion(m, backend, 7, 7, 0.0));
            for (Function<PlanModel, SaliencyMethod> method : methods) {
                backend.resetPeakBuffers();
                method.apply(few).explain(ExplainRequest.of(images, Target.top1(), 5));
                long peakFew = backend.peakBuffers();
                backend.resetPeakBuffers();
                method.apply(many).explain(ExplainRequest.of(images, Target.top1(), 5));
                long peakMany = backend.peakBuffers();
                String name = method.apply(few).id();
                System.out.printf("%s: at most %d backend buffers in few passes, %d in many%n", name, peakFew, peakMany);
                assertEquals(peakFew, peakMany, name + ": more passes must not hold more arrays");
            }
        }
    }

    /** The leak check for the engine and the scopes: 1,000 passes, and nothing but the weights left allocated. */
    @Test
    void manyExplanationsLeaveNothingAllocated() {
        long weights = engineDevice.liveBuffers();
        // per cycle five passes: Grad-CAM's one, the gradient's two (targets, then forward and backward), occlusion's
        // two (targets, then its 4 copies made on the device); 200 cycles are 1,000 passes and 600 scopes
        List<SaliencyMethod> methods = List.of(new GradCam(model, backend, null), new VanillaGradient(model, backend),
                new Occlusion(model, backend, 14, 14, 0.0));
        INDArray one = images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        for (int i = 0; i < 200; i++) {
            for (SaliencyMethod method : methods) {
                method.explain(ExplainRequest.of(one, Target.top1(), i));
            }
        }
        assertEquals(weights, engineDevice.liveBuffers(), "passes free their activations and gradients");
        assertEquals(0, backend.liveBuffers(), "scopes free their arrays");
    }
}
