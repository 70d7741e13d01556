package dev.heed.toolkit.pipeline;

import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.engine.source.ModelSource;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.trust.Faithfulness;
import dev.heed.toolkit.trust.MapChecks;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The write stage of an explained and rendered batch: per map the trust gate (when asked), the overlay, raw map and
 * typed provenance; per image its index, last, so that only a whole image counts as done; per batch a montage. A map
 * that cannot be written fails its image, which then gets no index and is redone by a rerun.
 */
public final class MapExport {
    /** Deletion/insertion steps of the per-map trust block: 16 is enough for a stable AUC at a 17-image batch per map. */
    public static final int TRUST_STEPS = 16;

    /** What every batch of a run shares: the model, the method and the settings its provenance records. */
    public record Run(ModelSource source, ModelAdapter model, SaliencyMethod method, String paper, String modelFile, Target target,
                      ModelInput.Resize resize, double alpha, String backend, String engine, long seed, Explainer explainer,
                      Map<String, Object> settings, boolean trust, List<MapChecks.Requirement> requirements) {
    }

    /** Images whose index was written, and maps written. */
    public record Counts(int images, int maps) {
    }

    private final Run run;
    private final OutputWriter writer;
    private final BatchJob job;

    public MapExport(Run run, OutputWriter writer, BatchJob job) {
        this.run = run;
        this.writer = writer;
        this.job = job;
    }

    public Counts export(List<Renderer.Rendered> rendered, List<ImageInput> inputs, int batchNumber) {
        ModelCard card = run.source().card();
        Set<Integer> failedImages = new HashSet<>();
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        Map<Integer, List<ImageIndex.Entry>> perImage = new LinkedHashMap<>();
        int maps = 0;
        for (Renderer.Rendered r : rendered) {
            Heatmap map = r.map();
            ImageInput in = r.input();
            String base = writer.baseName(in.stem(), map.classIndex(), card.className(map.classIndex()));
            try {
                MapProvenance.Trust trust = null;
                if (run.trust() || !run.requirements().isEmpty()) {
                    Map<String, Double> checks = MapChecks.measure(new Faithfulness(run.model()), in.values(), map, TRUST_STEPS, 0.0);
                    List<String> violations = MapChecks.violations(checks, run.requirements());
                    if (!violations.isEmpty()) {
                        failedImages.add(map.imageIndex());
                        job.fail(in.file(), in.file() + ": class " + map.classIndex() + " not exported, it fails --require: "
                                + String.join(", ", violations));
                        continue;
                    }
                    trust = new MapProvenance.Trust(checks, TRUST_STEPS, 0.0,
                            run.requirements().stream().map(q -> q.key().id() + "=" + q.threshold()).toList());
                }
                writer.writeMap(r, base, provenance(r, base, trust));
                tiles.add(r.overlay());
                labels.add(String.format(Locale.ROOT, "%s: %s (%.2f)", in.stem(), card.className(map.classIndex()), map.score()));
                perImage.computeIfAbsent(map.imageIndex(), i -> new ArrayList<>())
                        .add(new ImageIndex.Entry(map.classIndex(), card.className(map.classIndex()), base + ".json"));
                maps++;
            } catch (IOException | RuntimeException e) {
                if (failedImages.add(map.imageIndex())) {
                    job.fail(in.file(), in.file() + ": cannot write outputs (" + e.getMessage() + ")");
                }
            }
        }
        int images = 0;
        for (Map.Entry<Integer, List<ImageIndex.Entry>> e : perImage.entrySet()) {
            if (failedImages.contains(e.getKey())) {
                continue; // no index: a rerun redoes the image
            }
            ImageInput in = inputs.get(e.getKey());
            try {
                writer.writeIndex(in.stem(), new ImageIndex(in.file().toString(), run.method().id(), run.target().describe(), e.getValue(),
                        run.settings()));
                images++;
            } catch (IOException ex) {
                job.fail(in.file(), in.file() + ": cannot write " + writer.indexFile(in.stem()) + " (" + ex.getMessage() + ")");
            }
        }
        try {
            writer.writeMontage(tiles, labels, batchNumber);
        } catch (IOException | RuntimeException e) {
            job.warn(writer.folder() + ": cannot write the montage of batch " + batchNumber + " (" + e.getMessage() + ")");
        }
        return new Counts(images, maps);
    }

    private MapProvenance provenance(Renderer.Rendered r, String base, MapProvenance.Trust trust) {
        ModelCard card = run.source().card();
        Heatmap map = r.map();
        ImageInput in = r.input();
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : map.values()) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        boolean dl4j = run.source().format().equals("dl4j");
        return new MapProvenance(
                new MapProvenance.Input(in.file().toString(), in.image().width(), in.image().height(), in.image().conversions()),
                new MapProvenance.Model(run.modelFile(), run.source().fingerprint(), run.model().describe(),
                        List.of(card.channels(), card.height(), card.width()), card.pixelScale(), dl4j ? null : run.source().format(),
                        dl4j ? null : run.source().inputPreparation()),
                new MapProvenance.Resize(run.resize().id(), List.of(in.region().x(), in.region().y(), in.region().width(),
                        in.region().height()), r.display().scale()),
                new MapProvenance.Method(run.method().id(), run.paper(), run.method().parameters()), run.method().layer(),
                new MapProvenance.TargetEntry(run.target().describe(), map.classIndex(), card.className(map.classIndex()), map.score()),
                new MapProvenance.MapEntry(base + ".npy", map.height(), map.width(), map.signed(), min, max),
                new MapProvenance.Rendering(r.normalization().describe(), r.range().lo(), r.range().hi(), r.colormap().id(), run.alpha(),
                        base + ".png"),
                run.backend(), run.engine(), run.seed(), run.explainer().imageSeed(in.stem()), map.diagnostics(), trust);
    }

    /** Where the outputs go. */
    public Path folder() {
        return writer.folder();
    }
}
