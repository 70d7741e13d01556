package dev.heed.toolkit.cli;

import dev.heed.toolkit.api.Version;
import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitAttention;
import dev.heed.toolkit.attention.text.MiniLm;
import dev.heed.toolkit.attention.text.TextAttention;
import dev.heed.toolkit.attention.text.TextBatch;
import dev.heed.toolkit.attention.text.WordPiece;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Blend;
import dev.heed.toolkit.backend.MapRange;
import dev.heed.toolkit.backend.Maps;
import dev.heed.toolkit.backend.RgbImages;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.backend.HeadFusion;
import dev.heed.toolkit.io.AtomicFiles;
import dev.heed.toolkit.io.InputImage;
import dev.heed.toolkit.io.Json;
import dev.heed.toolkit.io.Npy;
import dev.heed.toolkit.io.OrderedMap;
import dev.heed.toolkit.model.Dl4jModels;
import dev.heed.toolkit.model.ModelInput;
import dev.heed.toolkit.pipeline.BatchJob;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Images;
import dev.heed.toolkit.render.Montage;
import dev.heed.toolkit.render.Range;
import dev.heed.toolkit.render.text.AttentionPage;
import dev.heed.toolkit.render.text.PanelFigure;
import dev.heed.toolkit.render.text.TokenHeatmap;
import dev.heed.toolkit.render.text.TokenStrip;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs {@code heed attention}. Each input gets its own folder; its provenance.json is written last and records the
 * settings, so a rerun skips inputs already done with the same settings and redoes the rest. A bad input is named on
 * stderr and in the summary, and the others carry on.
 */
final class AttentionJob {
    record Options(String model, boolean vision, List<String> texts, String second, Path inputFile, String compare,
                   String token, int maxTokens, List<Path> images, int targetClass, Path output, HeadFusion fusion,
                   float discardRatio, Colormap colormap, double alpha, int batchSize, String backend, int threads,
                   boolean force) { }

    /** One input and its outcome for the summary. */
    private record Item(String name, String source, TextBatch.Input text, Path image, List<String> warnings) { }

    private static final int DISPLAY_SIDE = 112;
    /** Panels of summary.png: 8 screen pixels per input pixel of a 28x28 image, large enough to read the patches. */
    private static final int SUMMARY_SIDE = 224;
    private static final String ALL_TOKENS = "all tokens, [CLS] and [SEP] included";
    private static final String NO_SPECIAL_TOKENS = "[CLS] and [SEP] left out (0), row renormalised over the other tokens";
    private static final String PROVENANCE = "provenance.json";

    private final Options o;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<Map<String, Object>> report = new ArrayList<>();
    private int failed;

    AttentionJob(Options options, PrintWriter out, PrintWriter err) {
        this.o = options;
        this.out = out;
        this.err = err;
    }

    int run() {
        try {
            Files.createDirectories(o.output());
            if (!Files.isWritable(o.output())) {
                throw new IOException(o.output() + ": output folder is not writable");
            }
        } catch (IOException e) {
            err.println("heed attention: " + (e.getMessage() != null ? e.getMessage() : o.output() + ": cannot create the output folder"));
            return 2;
        }
        // the model is read before the backend is opened, so a bad model file is the only line printed
        try {
            if (o.vision()) {
                VisionTransformer vit = loadVit();
                try (Backend backend = Backends.open(o.backend(), o.threads(), line -> err.println(line))) {
                    runImages(backend, vit);
                }
            } else {
                MiniLm model = loadText();
                try (Backend backend = Backends.open(o.backend(), o.threads(), line -> err.println(line))) {
                    runText(backend, model);
                }
            }
        } catch (IOException | RuntimeException e) {
            // one line: parser messages can run over several, and the first says what is wrong
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            err.println("heed attention: " + message.lines().findFirst().orElse(message));
            return 2;
        }
        try {
            Json.write(o.output().resolve("summary.attention.json"), OrderedMap.of("heed", Version.VERSION,
                    "model", o.model(), "inputs", report, "failed", failed));
        } catch (IOException e) {
            err.println("heed attention: cannot write the summary (" + e.getMessage() + ")");
            return 2;
        }
        out.printf("%d inputs, %d failed; summary in %s%n", report.size(), failed, o.output().resolve("summary.attention.json"));
        out.flush();
        err.flush();
        return failed > 0 ? 1 : 0;
    }

    // ---- text ----

    private MiniLm loadText() throws IOException {
        MiniLm model = o.model().equals("minilm") ? MiniLm.bundled() : MiniLm.load(Path.of(o.model()));
        if (o.maxTokens() > model.maxPositions()) {
            throw new IllegalArgumentException("--max-tokens " + o.maxTokens() + ": beyond the model's "
                    + model.maxPositions() + " positions (" + o.model() + ")");
        }
        return model;
    }

    private void runText(Backend backend, MiniLm model) throws IOException {
        WordPiece vocabulary = WordPiece.bundled();
        List<Item> items = textItems();
        Map<String, Object> settings = OrderedMap.of("model", model.source() + " sha256:" + model.fingerprint(),
                "maxTokens", String.valueOf(o.maxTokens()),
                "compare", String.valueOf(o.compare()), "token", o.token(), "headFusion", o.fusion().id(),
                "discardRatio", String.valueOf(o.discardRatio()), "colormap", o.colormap().id());
        INDArray compareEmbedding = null;
        if (o.compare() != null) {
            TextBatch reference = TextBatch.encode(vocabulary, List.of(new TextBatch.Input(o.compare(), null, "--compare")),
                    o.maxTokens(), w -> err.println("heed attention: warning: " + w));
            compareEmbedding = model.capture(reference).sentenceEmbeddings();
        }
        List<Item> pending = new ArrayList<>();
        for (Item item : items) {
            if (item.text() == null) {
                continue; // already reported while reading
            }
            try {
                TextBatch.encode(vocabulary, List.of(item.text()), o.maxTokens(), item.warnings()::add);
            } catch (IllegalArgumentException e) {
                fail(item, e.getMessage());
                continue;
            }
            item.warnings().forEach(w -> err.println("heed attention: warning: " + w));
            if (!o.force() && settings.equals(readSettings(o.output().resolve(item.name()).resolve(PROVENANCE)))) {
                record(item, "skipped", "done earlier with the same settings");
                continue;
            }
            pending.add(item);
        }
        for (int from = 0; from < pending.size(); from += o.batchSize()) {
            List<Item> chunk = pending.subList(from, Math.min(pending.size(), from + o.batchSize()));
            TextBatch batch = TextBatch.encode(vocabulary, chunk.stream().map(Item::text).toList(), o.maxTokens(), w -> { });
            INDArray compare = compareEmbedding == null ? null : compareEmbedding.repeat(0, chunk.size());
            List<TextAttention.Sentence> sentences = TextAttention.explain(model, backend, batch, compare, o.fusion(), o.discardRatio());
            for (int i = 0; i < chunk.size(); i++) {
                Item item = chunk.get(i);
                try {
                    writeText(item, sentences.get(i), model, settings);
                    record(item, "ok", null);
                } catch (IOException | RuntimeException e) {
                    fail(item, item.source() + ": " + e.getMessage());
                }
            }
            out.printf("%d/%d inputs%n", Math.min(pending.size(), from + o.batchSize()), pending.size());
            out.flush();
        }
    }

    private List<Item> textItems() throws IOException {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < o.texts().size(); i++) {
            String name = String.format("text-%03d", i + 1);
            items.add(new Item(name, "--text #" + (i + 1), new TextBatch.Input(o.texts().get(i), o.second(), "--text #" + (i + 1)),
                    null, new ArrayList<>()));
        }
        if (o.inputFile() != null) {
            byte[] content;
            try {
                content = Files.readAllBytes(o.inputFile());
            } catch (IOException e) {
                throw new IOException(o.inputFile() + ": cannot read (" + e.getMessage() + ")", e);
            }
            int line = 0;
            int start = 0;
            for (int p = 0; p <= content.length; p++) {
                if (p < content.length && content[p] != '\n') {
                    continue;
                }
                line++;
                String source = o.inputFile() + ":" + line;
                Item item = lineItem(String.format("line-%03d", line), source, content, start, p);
                if (item != null) {
                    items.add(item);
                }
                start = p + 1;
            }
        }
        return items;
    }

    /** One line of the input file, or null for a blank line; undecodable bytes fail just that line. */
    private Item lineItem(String name, String source, byte[] content, int from, int to) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            Item item = new Item(name, source, null, null, new ArrayList<>());
            fail(item, source + ": invalid UTF-8 (" + e.getMessage() + "); the line is skipped");
            return null;
        }
        text = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        if (text.isBlank()) {
            return null;
        }
        int tab = text.indexOf('\t');
        TextBatch.Input input = tab < 0 ? new TextBatch.Input(text, null, source)
                : new TextBatch.Input(text.substring(0, tab), text.substring(tab + 1), source);
        return new Item(name, source, input, null, new ArrayList<>());
    }

    private void writeText(Item item, TextAttention.Sentence s, MiniLm model, Map<String, Object> settings) throws IOException {
        Path dir = o.output().resolve(item.name());
        Files.createDirectories(dir);
        for (int layer = 0; layer < s.layers(); layer++) {
            TokenHeatmap.write(dir, "layer-" + layer, s.tokens(), s.layer(layer), layer, o.colormap());
        }
        int token = tokenIndex(item, s.tokens());
        String rolloutOf = "attention rollout into token " + token + " '" + s.tokens().get(token) + "' (" + o.fusion().id()
                + " of heads, discard " + o.discardRatio() + "), ";
        TokenStrip.write(dir, "rollout", s.tokens(), s.rolloutRow(token), rolloutOf + ALL_TOKENS, o.colormap(), false);
        TokenStrip.write(dir, "rollout-no-special", s.tokens(), s.rolloutRowWithoutSpecialTokens(token),
                rolloutOf + NO_SPECIAL_TOKENS, o.colormap(), false);
        if (s.saliency() != null) {
            TokenStrip.write(dir, "saliency", s.tokens(), s.saliency(), String.format(
                    "gradient x input of cos(embedding, --compare) = %.4f", s.similarity()), Colormap.fromId("bwr"), true);
        }
        int t = s.length();
        AtomicFiles.write(dir.resolve("attention.npy"), Npy.encode(s.attention(), s.layers() * s.heads() * t, t));
        Map<String, Object> provenance = OrderedMap.of("heed", Version.VERSION, "input", item.source(),
                "text", item.text().first(), "second", item.text().second(), "tokens", s.tokens(),
                "tokenIds", toList(s.tokenIds()), "segmentIds", toList(s.segmentIds()),
                "model", OrderedMap.of("source", model.source(), "sha256Prefix", model.fingerprint(),
                        "layers", model.spec().layers(), "heads", model.spec().heads(), "hidden", model.spec().hidden(),
                        "maxPositions", model.maxPositions()),
                "attentionNpy", "attention.npy holds float32 [layers*heads*tokens, tokens]: reshape to [" + s.layers() + ", "
                        + s.heads() + ", " + t + ", " + t + "] (layer, head, query, key)",
                "rollout", OrderedMap.of("token", token, "headFusion", o.fusion().id(), "discardRatio", o.discardRatio(),
                        "row", toList(s.rolloutRow(token)),
                        "rowWithoutSpecialTokens", toList(s.rolloutRowWithoutSpecialTokens(token)),
                        "views", OrderedMap.of("rollout.png/.svg and row", ALL_TOKENS,
                                "rollout-no-special.png/.svg and rowWithoutSpecialTokens", NO_SPECIAL_TOKENS,
                                "attention.html", "Rollout tab: [CLS] and [SEP] left out unless its box is unticked; its caption says which")),
                "saliency", s.saliency() == null ? null : OrderedMap.of("compare", o.compare(), "similarity", s.similarity(),
                        "perToken", toList(s.saliency())),
                "warnings", item.warnings(), "settings", settings);
        AttentionPage.write(dir.resolve("attention.html"), "heed attention: " + item.source(), s.tokens(), s.all(),
                s.rolloutMatrix(), token, Json.text(provenance));
        Json.write(dir.resolve(PROVENANCE), provenance);
    }

    /** The --token position for this input; a token the input lacks falls back to [CLS] with a warning. */
    private int tokenIndex(Item item, List<String> tokens) {
        int index;
        try {
            index = Integer.parseInt(o.token());
        } catch (NumberFormatException e) {
            index = tokens.indexOf(o.token().toLowerCase(java.util.Locale.ROOT));
        }
        if (index < 0 || index >= tokens.size()) {
            String warning = item.source() + ": --token '" + o.token() + "' is not one of its " + tokens.size()
                    + " tokens; the rollout is drawn for [CLS]";
            item.warnings().add(warning);
            err.println("heed attention: warning: " + warning);
            return 0;
        }
        return index;
    }

    // ---- images ----

    private Path vitZip() {
        return o.model().equals("vit") ? Path.of(System.getenv().getOrDefault("HEED_HOME", "."))
                .resolve("toolkit/models/fashion-vit.zip") : Path.of(o.model());
    }

    private VisionTransformer loadVit() throws IOException {
        Path zip = vitZip();
        if (!Files.isRegularFile(zip)) {
            throw new IOException("--model " + o.model() + ": the bundled model " + zip
                    + " is missing (run from the Heed folder or set HEED_HOME)");
        }
        VisionTransformer vit;
        try {
            vit = VisionTransformer.load(zip);
        } catch (IOException | RuntimeException e) {
            String problem = e.getMessage() == null ? e.toString() : e.getMessage();
            // the zip reader's own messages ("zip END header not found") do not say which file
            throw new IOException(problem.contains(zip.toString()) ? problem
                    : zip + ": not a Heed ViT model (" + problem + ")", e);
        }
        return vit;
    }

    private void runImages(Backend backend, VisionTransformer vit) throws IOException {
        Path zip = vitZip();
        if (o.targetClass() >= vit.card().classNames().size()) {
            throw new IllegalArgumentException("--target class:" + o.targetClass() + " is outside the model's "
                    + vit.card().classNames().size() + " classes");
        }
        Map<String, Object> settings = OrderedMap.of("model", Dl4jModels.fingerprint(zip), "target", String.valueOf(o.targetClass()),
                "headFusion", o.fusion().id(), "discardRatio", String.valueOf(o.discardRatio()), "colormap", o.colormap().id(),
                "alpha", String.valueOf(o.alpha()));
        List<Item> pending = new ArrayList<>();
        for (Path file : imageFiles()) {
            Item item = new Item(stem(file), file.toString(), null, file, new ArrayList<>());
            if (!o.force() && settings.equals(readSettings(o.output().resolve(item.name()).resolve(PROVENANCE)))) {
                record(item, "skipped", "done earlier with the same settings");
            } else {
                pending.add(item);
            }
        }
        int pixels = vit.card().channels() * vit.card().height() * vit.card().width();
        for (int from = 0; from < pending.size(); from += o.batchSize()) {
            List<Item> chunk = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (Item item : pending.subList(from, Math.min(pending.size(), from + o.batchSize()))) {
                try {
                    InputImage image = InputImage.read(item.image());
                    item.warnings().addAll(image.conversions());
                    inputs.add(ModelInput.prepare(image, vit.card(), ModelInput.Resize.STRETCH));
                    chunk.add(item);
                } catch (IOException | RuntimeException e) {
                    fail(item, e.getMessage());
                }
            }
            if (chunk.isEmpty()) {
                continue;
            }
            float[] flat = new float[chunk.size() * pixels];
            for (int i = 0; i < chunk.size(); i++) {
                System.arraycopy(inputs.get(i), 0, flat, i * pixels, pixels);
            }
            INDArray batch = Nd4j.create(flat, new long[] {chunk.size(), vit.card().channels(), vit.card().height(), vit.card().width()}, 'c');
            int[] targets = new int[chunk.size()];
            java.util.Arrays.fill(targets, o.targetClass());
            VitAttention.Result result = VitAttention.explain(vit, backend, batch, targets,
                    new VitAttention.Settings(o.fusion(), o.discardRatio()));
            for (int i = 0; i < chunk.size(); i++) {
                try {
                    writeImage(chunk.get(i), i, inputs.get(i), result, vit, backend, settings);
                    record(chunk.get(i), "ok", null);
                } catch (IOException | RuntimeException e) {
                    fail(chunk.get(i), chunk.get(i).source() + ": " + e.getMessage());
                }
            }
            out.printf("%d/%d images%n", Math.min(pending.size(), from + o.batchSize()), pending.size());
            out.flush();
        }
    }

    private List<Path> imageFiles() {
        List<Path> files = new ArrayList<>();
        for (Path in : o.images()) {
            if (Files.isDirectory(in)) {
                try (var listing = Files.list(in)) {
                    listing.filter(Files::isRegularFile).filter(BatchJob::hasImageExtension).sorted().forEach(files::add);
                } catch (IOException e) {
                    fail(new Item(in.toString(), in.toString(), null, in, List.of()), in + ": cannot list folder (" + e.getMessage() + ")");
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                fail(new Item(in.toString(), in.toString(), null, in, List.of()), in + ": no such file or folder");
            }
        }
        return files;
    }

    private void writeImage(Item item, int i, float[] input, VitAttention.Result r, VisionTransformer vit, Backend backend,
                            Map<String, Object> settings) throws IOException {
        Path dir = o.output().resolve(item.name());
        Files.createDirectories(dir);
        int[] display = displayRgb(input, vit, DISPLAY_SIDE);
        List<BufferedImage> tiles = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int layer = 0; layer < r.layers(); layer++) {
            for (int head = 0; head < r.heads(); head++) {
                tiles.add(overlay(backend, r.classToPatch(i, layer, head), r.side(), display, DISPLAY_SIDE));
                labels.add("layer " + layer + " head " + head);
            }
        }
        Images.writePngAtomically(Montage.grid(tiles, labels, r.heads()), dir.resolve("heads.png"));
        String className = vit.card().className(r.targets()[i]);
        int[] large = displayRgb(input, vit, SUMMARY_SIDE);
        BufferedImage summary = PanelFigure.draw(item.name() + ": " + String.format("%s %s, p = %.2f",
                        o.targetClass() < 0 ? "predicted" : "target", className, r.probabilities()[i][r.targets()[i]]),
                List.of(Images.toImage(large, SUMMARY_SIDE, SUMMARY_SIDE), overlay(backend, r.rollout(i), r.side(), large, SUMMARY_SIDE),
                        overlay(backend, r.classSpecific(i), r.side(), large, SUMMARY_SIDE)),
                List.of("input", "attention rollout", "class-specific: " + className),
                o.colormap(), new Range(0, 1), "each map min-max scaled to [0, 1]");
        Images.writePngAtomically(summary, dir.resolve("summary.png"));
        int patches = r.patches();
        float[] all = new float[r.layers() * r.heads() * patches];
        System.arraycopy(r.classToPatch(), i * all.length, all, 0, all.length);
        AtomicFiles.write(dir.resolve("class-to-patch.npy"), Npy.encode(all, r.layers() * r.heads(), patches));
        AtomicFiles.write(dir.resolve("rollout.npy"), Npy.encode(r.rollout(i), r.side(), r.side()));
        AtomicFiles.write(dir.resolve("class-specific.npy"), Npy.encode(r.classSpecific(i), r.side(), r.side()));
        Map<String, Object> top = new LinkedHashMap<>();
        float[] p = r.probabilities()[i];
        for (int c = 0; c < p.length; c++) {
            top.put(vit.card().className(c), p[c]);
        }
        Json.write(dir.resolve(PROVENANCE), OrderedMap.of("heed", Version.VERSION, "input", item.source(),
                "conversions", item.warnings(), "model", OrderedMap.of("file", o.model(), "sha256Prefix", settings.get("model"),
                        "layers", r.layers(), "heads", r.heads(),
                        "patchGrid", r.side() + "x" + r.side()),
                "target", OrderedMap.of("class", r.targets()[i], "name", className, "probability", p[r.targets()[i]]),
                "probabilities", top,
                "maps", OrderedMap.of("heads.png", "class token -> patch attention, rows = layers, columns = heads",
                        "class-to-patch.npy", "float32 [layers*heads, patches]: reshape to [" + r.layers() + ", " + r.heads() + ", "
                                + r.side() + ", " + r.side() + "]",
                        "rollout.npy", "Abnar & Zuidema rollout, class token row, " + o.fusion().id() + " of heads, discard " + o.discardRatio(),
                        "class-specific.npy", "Chefer et al. 2021: rollout of E_h[(dScore/dA * A)+] with R <- R + A R, class token row"),
                "settings", settings));
    }

    /** The model input as gray RGB, {@code out} pixels square, scaled up by pixel replication so the patches stay visible. */
    private static int[] displayRgb(float[] input, VisionTransformer vit, int out) {
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

    /** A patch-grid map upsampled bilinearly, min-max normalised and blended over the display image, all on the Backend. */
    private BufferedImage overlay(Backend backend, float[] map, int side, int[] display, int out) {
        int[] rgb = backend.overlay(new Maps(map, 1, side, side), new RgbImages(display, 1, out, out), MapRange.own(),
                new Blend(o.colormap().packedLut(), (float) o.alpha())).rgb();
        return Images.toImage(rgb, out, out);
    }

    // ---- bookkeeping ----

    private void fail(Item item, String message) {
        failed++;
        err.println(message);
        report.add(OrderedMap.of("name", item.name(), "input", item.source(), "status", "failed", "error", message));
    }

    private void record(Item item, String status, String note) {
        report.add(OrderedMap.of("name", item.name(), "input", item.source(), "status", status, "note", note,
                "warnings", item.warnings()));
    }

    private static Object readSettings(Path provenance) {
        try {
            return Files.exists(provenance) ? Json.read(provenance).get("settings") : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static List<Integer> toList(int[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }

    private static List<Float> toList(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
