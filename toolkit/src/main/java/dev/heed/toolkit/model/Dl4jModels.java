package dev.heed.toolkit.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Loads DL4J models saved by {@code ModelSerializer} (a zip), {@code MultiLayerNetwork} or {@code ComputationGraph},
 * and reads or writes Heed's model card ({@code heed.json}) inside the same zip.
 */
public final class Dl4jModels {
    static final String CARD_ENTRY = "heed.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Dl4jModels() {
    }

    /**
     * Loads a model zip. {@code cardOverride} (may be null) replaces the card stored in the zip; a zip without a card
     * needs one.
     */
    public static Dl4jModel load(Path zip, ModelCard cardOverride) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException(zip + ": no such model file");
        }
        ModelCard card = cardOverride != null ? cardOverride : readCard(zip);
        if (card == null) {
            throw new IOException(zip + ": the model has no heed.json card; pass --input-shape C,H,W (and --pixel-scale, --labels)");
        }
        Model network = restore(zip);
        return Dl4jModel.of(network, card, fingerprint(zip));
    }

    /** Restores the network, deciding from its configuration whether it is a graph. */
    /**
     * Frozen layers (transfer learning) pass no gradient back in DL4J; for explaining, they are the layer inside them.
     * Shared by the DL4J twin and the plan compiler, so both see the same layers.
     */
    public static org.deeplearning4j.nn.api.Layer innerLayer(org.deeplearning4j.nn.api.Layer layer) {
        while (true) {
            if (layer instanceof org.deeplearning4j.nn.layers.FrozenLayer frozen) {
                layer = frozen.getInsideLayer();
            } else if (layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop frozen) {
                layer = frozen.getInsideLayer();
            } else {
                return layer;
            }
        }
    }

    public static Model restore(Path zip) throws IOException {
        String configuration;
        try (ZipFile file = new ZipFile(zip.toFile())) {
            ZipEntry entry = file.getEntry("configuration.json");
            if (entry == null) {
                throw new IOException(zip + ": not a DL4J model zip (no configuration.json)");
            }
            try (InputStream in = file.getInputStream(entry)) {
                configuration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(zip + ": not a readable zip file (" + e.getMessage() + ")", e);
        }
        try {
            return configuration.contains("\"vertices\"")
                    ? ModelSerializer.restoreComputationGraph(zip.toFile(), false)
                    : ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
        } catch (RuntimeException | IOException e) {
            throw new IOException(zip + ": corrupt DL4J model (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** The card stored in the zip, or null when there is none. */
    public static ModelCard readCard(Path zip) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            ZipEntry entry = file.getEntry(CARD_ENTRY);
            if (entry == null) {
                return null;
            }
            try (InputStream in = file.getInputStream(entry)) {
                Map<String, Object> m = JSON.readValue(in, new TypeReference<Map<String, Object>>() { });
                @SuppressWarnings("unchecked")
                List<String> names = (List<String>) m.getOrDefault("classNames", List.of());
                return new ModelCard(((Number) m.get("channels")).intValue(), ((Number) m.get("height")).intValue(),
                        ((Number) m.get("width")).intValue(), ((Number) m.get("pixelScale")).doubleValue(), names);
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(zip + ": not a readable zip file (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(zip + ": unreadable heed.json card (" + e.getMessage() + ")", e);
        }
    }

    /** Saves a network with its card, atomically: a temporary file in the same folder is moved into place. */
    public static void save(Model network, ModelCard card, Path zip) throws IOException {
        Path dir = zip.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path plain = Files.createTempFile(dir, "." + zip.getFileName(), ".tmp");
        Path withCard = Files.createTempFile(dir, "." + zip.getFileName(), ".tmp");
        try {
            ModelSerializer.writeModel(network, plain.toFile(), false);
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(plain));
                 ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(withCard))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
                out.putNextEntry(new ZipEntry(CARD_ENTRY));
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(Map.of(
                        "channels", card.channels(), "height", card.height(), "width", card.width(),
                        "pixelScale", card.pixelScale(), "classNames", card.classNames())));
                out.closeEntry();
            }
            dev.heed.toolkit.io.AtomicFiles.readableByAll(withCard);
            Files.move(withCard, zip, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(plain);
            Files.deleteIfExists(withCard);
        }
    }

    /** First 16 hex digits of the file's SHA-256. */
    public static String fingerprint(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
                    digest.update(buffer, 0, r);
                }
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
