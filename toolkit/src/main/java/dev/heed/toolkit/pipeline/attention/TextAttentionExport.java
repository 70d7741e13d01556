package dev.heed.toolkit.pipeline.attention;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextAttention;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.text.AttentionPage;
import dev.heed.toolkit.render.text.TokenHeatmap;
import dev.heed.toolkit.render.text.TokenStrip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The write stage of a text input: in its own folder one token-by-token heatmap per layer, the rollout strips (with
 * and without [CLS] and [SEP]), the saliency strip for {@code --compare}, attention.npy, the offline HTML page and,
 * last, provenance.json, whose settings let a rerun skip the input. Every file is written atomically.
 */
public final class TextAttentionExport {
    public static final String PROVENANCE = "provenance.json";
    private static final String ALL_TOKENS = "all tokens, [CLS] and [SEP] included";
    private static final String NO_SPECIAL_TOKENS = "[CLS] and [SEP] left out (0), row renormalised over the other tokens";

    /** How the maps are drawn and rolled out; {@code token} is a position or a token, {@code compare} may be null. */
    public record Settings(int maxTokens, String compare, String token, HeadFusion fusion, float discardRatio, Colormap colormap) {
    }

    private final Path output;
    private final MiniLm model;
    private final Settings s;
    private final String modelPass;
    private final Consumer<String> warnings;
    private final Map<String, Object> recorded;

    /**
     * {@code modelPass} names the engine that ran the passes, for provenance; {@code warnings} hears of each input whose
     * {@code --token} it lacks.
     */
    public TextAttentionExport(Path output, MiniLm model, Settings settings, String modelPass, Consumer<String> warnings) {
        this.output = output;
        this.model = model;
        this.s = settings;
        this.modelPass = modelPass;
        this.warnings = warnings;
        // strings only, so that the copy read back from JSON compares equal
        this.recorded = OrderedMap.of("model", model.source() + " sha256:" + model.fingerprint(), "maxTokens", String.valueOf(s.maxTokens()),
                "compare", String.valueOf(s.compare()), "token", s.token(), "headFusion", s.fusion().id(),
                "discardRatio", String.valueOf(s.discardRatio()), "colormap", s.colormap().id());
    }

    /** What a finished input's provenance records; a rerun with the same skips it. */
    public Map<String, Object> settings() {
        return recorded;
    }

    public Path provenanceFile(AttentionInput input) {
        return output.resolve(input.name()).resolve(PROVENANCE);
    }

    public void write(AttentionInput item, TextAttention.Sentence sentence) throws IOException {
        Path dir = Files.createDirectories(output.resolve(item.name()));
        for (int layer = 0; layer < sentence.layers(); layer++) {
            TokenHeatmap.write(dir, "layer-" + layer, sentence.tokens(), sentence.layer(layer), layer, s.colormap());
        }
        int token = tokenIndex(item, sentence.tokens());
        String rolloutOf = "attention rollout into token " + token + " '" + sentence.tokens().get(token) + "' (" + s.fusion().id()
                + " of heads, discard " + s.discardRatio() + "), ";
        TokenStrip.write(dir, "rollout", sentence.tokens(), sentence.rolloutRow(token), rolloutOf + ALL_TOKENS, s.colormap(), false);
        TokenStrip.write(dir, "rollout-no-special", sentence.tokens(), sentence.rolloutRowWithoutSpecialTokens(token),
                rolloutOf + NO_SPECIAL_TOKENS, s.colormap(), false);
        if (sentence.saliency() != null) {
            TokenStrip.write(dir, "saliency", sentence.tokens(), sentence.saliency(), String.format(
                    "gradient x input of cos(embedding, --compare) = %.4f", sentence.similarity()), Colormap.fromId("bwr"), true);
        }
        int t = sentence.length();
        AtomicFiles.write(dir.resolve("attention.npy"), Npy.encode(sentence.attention(), sentence.layers() * sentence.heads() * t, t));
        Map<String, Object> provenance = provenance(item, sentence, token);
        AttentionPage.write(dir.resolve("attention.html"), "heed attention: " + item.source(), sentence.tokens(), sentence.all(),
                sentence.rolloutMatrix(), token, Json.text(provenance));
        Json.write(dir.resolve(PROVENANCE), provenance);
    }

    private Map<String, Object> provenance(AttentionInput item, TextAttention.Sentence sentence, int token) {
        int t = sentence.length();
        return OrderedMap.of("heed", Version.VERSION, "input", item.source(),
                "text", item.text().first(), "second", item.text().second(), "tokens", sentence.tokens(),
                "tokenIds", Lists.of(sentence.tokenIds()), "segmentIds", Lists.of(sentence.segmentIds()),
                "model", OrderedMap.of("source", model.source(), "sha256Prefix", model.fingerprint(),
                        "layers", model.spec().layers(), "heads", model.spec().heads(), "hidden", model.spec().hidden(),
                        "maxPositions", model.maxPositions(), "modelPass", modelPass),
                "attentionNpy", "attention.npy holds float32 [layers*heads*tokens, tokens]: reshape to [" + sentence.layers() + ", "
                        + sentence.heads() + ", " + t + ", " + t + "] (layer, head, query, key)",
                "rollout", OrderedMap.of("token", token, "headFusion", s.fusion().id(), "discardRatio", s.discardRatio(),
                        "row", Lists.of(sentence.rolloutRow(token)),
                        "rowWithoutSpecialTokens", Lists.of(sentence.rolloutRowWithoutSpecialTokens(token)),
                        "views", OrderedMap.of("rollout.png/.svg and row", ALL_TOKENS,
                                "rollout-no-special.png/.svg and rowWithoutSpecialTokens", NO_SPECIAL_TOKENS,
                                "attention.html", "Rollout tab: [CLS] and [SEP] left out unless its box is unticked; its caption says which")),
                "saliency", sentence.saliency() == null ? null : OrderedMap.of("compare", s.compare(), "similarity", sentence.similarity(),
                        "perToken", Lists.of(sentence.saliency())),
                "warnings", item.warnings(), "settings", recorded);
    }

    /** The --token position for this input; a token the input lacks falls back to [CLS] with a warning. */
    private int tokenIndex(AttentionInput item, List<String> tokens) {
        int index;
        try {
            index = Integer.parseInt(s.token());
        } catch (NumberFormatException e) {
            index = tokens.indexOf(s.token().toLowerCase(Locale.ROOT));
        }
        if (index < 0 || index >= tokens.size()) {
            String warning = item.source() + ": --token '" + s.token() + "' is not one of its " + tokens.size()
                    + " tokens; the rollout is drawn for [CLS]";
            item.warnings().add(warning);
            warnings.accept(warning);
            return 0;
        }
        return index;
    }
}
