package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Montage;
import dev.heed.toolkit.render.Range;
import dev.heed.toolkit.render.text.PanelFigure;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The render and write stages of an image through a ViT: in its own folder the layers-by-heads grid of class-token
 * attention overlays (heads.png), the input beside its rollout and class-specific relevance (summary.png), the maps as
 * .npy and, last, provenance.json, whose settings let a rerun skip the image. Overlays are drawn on the backend.
 */
public final class VitAttentionExport {
    public static final String PROVENANCE = "provenance.json";
    private static final int DISPLAY_SIDE = 112;
    /** Panels of summary.png: 8 screen pixels per input pixel of a 28x28 image, large enough to read the patches. */
    private static final int SUMMARY_SIDE = 224;

    /** How the maps are drawn; {@code targetClass} is -1 for each image's top class. */
    public record Settings(int targetClass, HeadFusion fusion, float discardRatio, Colormap colormap, double alpha) {
    }

    private final Path output;
    private final String modelName;
    private final VisionTransformer vit;
    private final Backend backend;
    private final Settings s;
    private final String modelPass;
    private final Map<String, Object> recorded;

    /**
     * {@code modelName} is the model as the user named it ({@code vit} or its file), recorded as given; {@code modelPass}
     * names the engine that ran the passes.
     */
    public VitAttentionExport(Path output, String modelName, VisionTransformer vit, Backend backend, Settings settings, String modelPass)
            throws IOException {
        this.output = output;
        this.modelPass = modelPass;
        this.modelName = modelName;
        this.vit = vit;
        this.backend = backend;
        this.s = settings;
        // strings only, so that the copy read back from JSON compares equal
        this.recorded = OrderedMap.of("model", Dl4jModels.fingerprint(AttentionModels.vitZip(modelName)), "target", String.valueOf(s.targetClass()),
                "headFusion", s.fusion().id(), "discardRatio", String.valueOf(s.discardRatio()), "colormap", s.colormap().id(),
                "alpha", String.valueOf(s.alpha()));
    }

    /** What a finished image's provenance records; a rerun with the same skips it. */
    public Map<String, Object> settings() {
        return recorded;
    }

    public Path provenanceFile(AttentionInput input) {
        return output.resolve(input.name()).resolve(PROVENANCE);
    }

    /** Writes image {@code i} of {@code r}, whose model input was {@code input}. */
    public void write(AttentionInput item, int i, float[] input, VitAttention.Result r) throws IOException {
        Path dir = Files.createDirectories(output.resolve(item.name()));
        int[] display = displayRgb(input, DISPLAY_SIDE);
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int layer = 0; layer < r.layers(); layer++) {
            for (int head = 0; head < r.heads(); head++) {
                tiles.add(overlay(r.classToPatch(i, layer, head), r.side(), display, DISPLAY_SIDE));
                labels.add("layer " + layer + " head " + head);
            }
        }
        Images.writePngAtomically(Montage.grid(tiles, labels, r.heads()), dir.resolve("heads.png"));
        String className = vit.card().className(r.targets()[i]);
        int[] large = displayRgb(input, SUMMARY_SIDE);
        BufferedImage summary = PanelFigure.draw(item.name() + ": " + String.format("%s %s, p = %.2f",
                        s.targetClass() < 0 ? "predicted" : "target", className, r.probabilities()[i][r.targets()[i]]),
                List.of(Images.toImage(large, SUMMARY_SIDE, SUMMARY_SIDE), overlay(r.rollout(i), r.side(), large, SUMMARY_SIDE),
                        overlay(r.classSpecific(i), r.side(), large, SUMMARY_SIDE)),
                List.of("input", "attention rollout", "class-specific: " + className),
                s.colormap(), new Range(0, 1), "each map min-max scaled to [0, 1]");
        Images.writePngAtomically(summary, dir.resolve("summary.png"));
        int patches = r.patches();
        float[] all = new float[r.layers() * r.heads() * patches];
        System.arraycopy(r.classToPatch(), i * all.length, all, 0, all.length);
        AtomicFiles.write(dir.resolve("class-to-patch.npy"), Npy.encode(all, r.layers() * r.heads(), patches));
        AtomicFiles.write(dir.resolve("rollout.npy"), Npy.encode(r.rollout(i), r.side(), r.side()));
        AtomicFiles.write(dir.resolve("class-specific.npy"), Npy.encode(r.classSpecific(i), r.side(), r.side()));
        Json.write(dir.resolve(PROVENANCE), provenance(item, i, r, className));
    }

    private Map<String, Object> provenance(AttentionInput item, int i, VitAttention.Result r, String className) {
        Map<String, Object> top = new LinkedHashMap<>();
        float[] p = r.probabilities()[i];
        for (int c = 0; c < p.length; c++) {
            top.put(vit.card().className(c), p[c]);
        }
        return OrderedMap.of("heed", Version.VERSION, "input", item.source(),
                "conversions", item.warnings(), "model", OrderedMap.of("file", modelName, "sha256Prefix", recorded.get("model"),
                        "layers", r.layers(), "heads", r.heads(), "patchGrid", r.side() + "x" + r.side(), "modelPass", modelPass),
                "target", OrderedMap.of("class", r.targets()[i], "name", className, "probability", p[r.targets()[i]]),
                "probabilities", top,
                "maps", OrderedMap.of("heads.png", "class token -> patch attention, rows = layers, columns = heads",
                        "class-to-patch.npy", "float32 [layers*heads, patches]: reshape to [" + r.layers() + ", " + r.heads() + ", "
                                + r.side() + ", " + r.side() + "]",
                        "rollout.npy", "Abnar & Zuidema rollout, class token row, " + s.fusion().id() + " of heads, discard " + s.discardRatio(),
                        "class-specific.npy", "Chefer et al. 2021: rollout of E_h[(dScore/dA * A)+] with R <- R + A R, class token row"),
                "settings", recorded);
    }

    /** The model input as gray RGB, {@code out} pixels square, scaled up by pixel replication so the patches stay visible. */
    private int[] displayRgb(float[] input, int out) {
        int side = vit.card().height();
        int scale = Math.max(1, out / side);
        int[] rgb = new int[out * out];
        for (int y = 0; y < out; y++) {
            for (int x = 0; x < out; x++) {
                float v = input[Math.min(side - 1, y / scale) * side + Math.min(side - 1, x / scale)];
                int g = Math.max(0, Math.min(255, Math.round((float) (v / vit.card().pixelScale()))));
                rgb[y * out + x] = g << 16 | g << 8 | g;
            }
        }
        return rgb;
    }

    /** A patch-grid map upsampled bilinearly, min-max normalised and blended over the display image, all on the backend. */
    private BufferedImage overlay(float[] map, int side, int[] display, int out) {
        int[] rgb = backend.overlay(new Maps(map, 1, side, side), new RgbImages(display, 1, out, out), MapRange.own(),
                new Blend(s.colormap().packedLut(), (float) s.alpha())).rgb();
        return Images.toImage(rgb, out, out);
    }
}
