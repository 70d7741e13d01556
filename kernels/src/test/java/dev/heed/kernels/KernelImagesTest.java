package dev.heed.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed kernel images against their sources: fails when a .cu file changed and the PTX/fatbin were not rebuilt
 * (run kernels/build-kernels.sh where nvcc exists), and when a kernel the Java side launches is missing.
 */
class KernelImagesTest {
    /** Every .cu file, in name order: what build-kernels.sh hashes (its glob sorts the same way). */
    static List<Path> sources() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(Path.of("src/main/cuda"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".cu")).sorted().toList();
        }
    }

    @Test
    void theCommittedImagesWereBuiltFromTheseSources() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (Path source : sources()) {
            sha.update(Files.readAllBytes(source));
        }
        String recorded;
        try (InputStream in = CudaDevice.class.getResourceAsStream("kernels.sha256")) {
            recorded = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        assertEquals(recorded, HexFormat.of().formatHex(sha.digest()),
                "the .cu sources changed since the PTX/fatbin were built: run kernels/build-kernels.sh (needs nvcc) and commit the images");
    }

    @Test
    void thePtxHasEveryKernelTheBackendLaunchesAndTheFatbinIsThere() throws Exception {
        String ptx;
        try (InputStream in = CudaDevice.class.getResourceAsStream(CudaDevice.PTX)) {
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        for (String kernel : List.of("reduce_channels", "channel_means", "gradcampp_weights", "weighted_channel_sum", "upsample_bilinear",
                "min_max", "normalize", "colorize_blend", "attention_probabilities", "fuse_heads", "residual_mix",
                "batched_matmul", "identity", "upsampled_min_max", "overlay_fused", "select_ranks", "discard_smallest",
                "engine_gemm", "engine_conv2d_forward", "engine_conv2d_backward_data", "engine_channel_affine", "engine_channel_affine_backward",
                "engine_add", "engine_copy", "engine_pool2d_forward", "engine_pool2d_backward", "engine_global_pool_forward",
                "engine_global_pool_backward", "engine_gemm_batched", "engine_layer_norm", "engine_layer_norm_backward", "engine_softmax_rows",
                "engine_softmax_rows_backward", "engine_gelu", "engine_gelu_backward", "engine_embedding_gather", "engine_pad2d", "engine_crop2d", "engine_copy_channels",
                "engine_gemm_tf32", "engine_conv2d_forward_tf32", "engine_conv2d_backward_data_tf32", "engine_activation_backward_input",
                "engine_multiply", "engine_multiply_reduce")) {
            assertTrue(ptx.contains(".entry " + kernel + "("), kernel + " is in the PTX");
        }
        assertTrue(ptx.contains(".target sm_75"), "the stand-alone PTX targets compute_75, the oldest architecture nvcc 13 knows");
        try (InputStream in = CudaDevice.class.getResourceAsStream(CudaDevice.FATBIN)) {
            assertTrue(in.readAllBytes().length > 100_000, "the fatbin carries SASS for five architectures");
        }
    }

    /**
     * Every kernel in the images is launched from exactly one place, its typed facade ({@link MapKernels} or
     * {@link EngineKernels}), so each kernel's name and argument list are stated once and no kernel is dead. The
     * engine's TF32 variants are named as the FP32 name plus the precision's suffix.
     */
    @Test
    void everyKernelIsLaunchedByExactlyOneTypedFacadeMethod() throws Exception {
        String ptx;
        try (InputStream in = CudaDevice.class.getResourceAsStream(CudaDevice.PTX)) {
            ptx = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        String facades = Files.readString(Path.of("src/main/java/dev/heed/kernels/MapKernels.java"))
                + Files.readString(Path.of("src/main/java/dev/heed/kernels/EngineKernels.java"));
        java.util.regex.Matcher entries = java.util.regex.Pattern.compile("\\.entry (\\w+)\\(").matcher(ptx);
        List<String> kernels = new java.util.ArrayList<>();
        while (entries.find()) {
            kernels.add(entries.group(1));
        }
        assertTrue(kernels.size() > 40, "the PTX lists its kernels: " + kernels);
        for (String kernel : kernels) {
            String launched = kernel.endsWith("_tf32") ? kernel.substring(0, kernel.length() - "_tf32".length()) : kernel;
            int launches = facades.split("launch\\(\"" + launched + "\"", -1).length - 1;
            assertEquals(1, launches, kernel + " is launched from exactly one facade method");
        }
    }
}
