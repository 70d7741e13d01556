package dev.heed.toolkit.engine.source;

import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.adapter.PlanModel;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.Dl4jRedraw;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/** A DL4J model zip: restored once, run on the CPU by its inference twin, compiled to a plan for Heed's engines. */
public final class Dl4jSource implements ModelSource {
    private final Path file;
    private final Model network;
    private final Dl4jModel twin;
    private final ModelOptions options;

    private Dl4jSource(Path file, Model network, Dl4jModel twin, ModelOptions options) {
        this.file = file;
        this.network = network;
        this.twin = twin;
        this.options = options;
    }

    /**
     * Restores {@code zip}. {@code cardOverride} (may be null) replaces the card stored in the zip; a zip without a
     * card needs one.
     *
     * @throws IOException a missing, unreadable or corrupt file, or a missing card (one line naming the file)
     */
    public static Dl4jSource open(Path zip, ModelCard cardOverride) throws IOException {
        return open(zip, cardOverride, ModelOptions.NONE);
    }

    /** As {@link #open(Path, ModelCard)}, keeping {@code options} (the CPU engine among them) for the engine choice. */
    public static Dl4jSource open(Path zip, ModelCard cardOverride, ModelOptions options) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException(zip + ": no such model file");
        }
        ModelCard card = cardOverride != null ? cardOverride : Dl4jModels.readCard(zip);
        if (card == null) {
            throw new IOException(zip + ": the model has no heed.json card; pass --input-shape C,H,W (and --pixel-scale, --labels)");
        }
        Model network = Dl4jModels.restore(zip);
        return new Dl4jSource(zip, network, Dl4jModel.of(network, card, Dl4jModels.fingerprint(zip)), options);
    }

    /** The restored network (not modified by anything Heed runs on it). */
    public Model network() {
        return network;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public ModelOptions options() {
        return options;
    }

    @Override
    public String format() {
        return "dl4j";
    }

    @Override
    public ModelCard card() {
        return twin.card();
    }

    @Override
    public String fingerprint() {
        return twin.fingerprint();
    }

    @Override
    public Map<String, Object> inputPreparation() {
        return Map.of();
    }

    @Override
    public ModelAdapter cpuModel() {
        return twin;
    }

    @Override
    public String cpuEngine() {
        return "dl4j-cpu";
    }

    @Override
    public String cpuEngineTitle() {
        return "DL4J on the CPU";
    }

    @Override
    public Plan plan() {
        return PlanCompiler.compile(network, twin.inputShape());
    }

    @Override
    public RedrawableModel redrawable(PlanExecutor executor) {
        ModelCard card = card();
        return executor == null
                ? Dl4jRedraw.of(network, (copy, name) -> Dl4jModel.of(copy, card, name))
                : Dl4jRedraw.of(network, (copy, name) -> PlanModel.of(copy, card, name, executor));
    }

    @Override
    public void close() {
        twin.close();
    }
}
