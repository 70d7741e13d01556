package dev.heed.toolkit.render.text;

import dev.heed.toolkit.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A single offline HTML page for exploring every layer and head of a text transformer's attention, in the manner of
 * bertviz: a head view (query tokens left, key tokens right, joined by lines whose opacity is the weight, one colour
 * per head), a model view (one thumbnail per layer and head; clicking one opens it in the head view) and,
 * given one, the attention rollout into a chosen token with or without [CLS] and [SEP]. Script,
 * styles and data are all inline, so the file works from file:// with no network; the script and styles are kept as
 * resources beside this class so they can be linted as what they are.
 */
public final class AttentionPage {

    /** Opens the element holding the data; the page's script reads it by id. */
    static final String DATA_OPEN = "<script type=\"application/json\" id=\"attention-data\">";
    static final String DATA_CLOSE = "</script>";

    /**
     * Weights are stored as bytes, {@code round(255 w)}: a step of 1/255 is finer than any line opacity or thumbnail
     * alpha a screen shows (both are 8-bit), and one byte per weight, base64-encoded, keeps a 6-layer, 12-head,
     * 128-token page near 1.6 MB where decimal JSON took 7.4 MB. attention.npy keeps the float32 values.
     */
    static final int LEVELS = 255;

    private AttentionPage() {
    }

    /** The page without a rollout tab. */
    public static String html(String title, List<String> tokens, float[][][][] attention, String provenanceJson) {
        return html(title, tokens, attention, null, 0, provenanceJson);
    }

    /**
     * The page for {@code attention} = [layer][head][query][key] over {@code tokens}; with {@code rollout}
     * ([query][key], may be null) a rollout tab opens on row {@code rolloutToken} and can leave out [CLS] and [SEP].
     * {@code provenanceJson} is shown verbatim in a collapsed block at the bottom.
     */
    public static String html(String title, List<String> tokens, float[][][][] attention, float[][] rollout,
            int rolloutToken, String provenanceJson) {
        check(tokens, attention);
        if (rollout != null) {
            checkRollout(tokens.size(), rollout, rolloutToken);
        }
        String data = json(tokens, attention, rollout, rolloutToken);
        String escapedTitle = Markup.escape(title);
        StringBuilder out = new StringBuilder(data.length() + 16_384);
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.append("<title>").append(escapedTitle).append("</title>\n");
        out.append("<style>\n").append(resource("attention-page.css")).append("</style>\n</head>\n<body>\n");
        out.append("<h1>").append(escapedTitle).append("</h1>\n");
        out.append("""
                <nav class="tabs">
                <button id="tab-head" class="active" type="button">Head view</button>
                <button id="tab-model" type="button">Model view</button>
                <button id="tab-rollout" type="button" hidden>Rollout</button>
                </nav>
                <section id="head-view">
                <div class="controls">
                <label>Layer <select id="layer"></select></label>
                <span>Heads</span><span id="heads"></span>
                <button id="all-heads" type="button">all</button><button id="no-heads" type="button">none</button>
                </div>
                <p class="hint">Each line joins a query token (left) to a key token (right); its opacity is the
                attention weight and its colour the head. Hover a token to see only its lines. Layers and heads are
                numbered from 0; each head's checkbox sits in a box with its colour and number.</p>
                <svg id="lines"></svg>
                </section>
                <section id="model-view" hidden>
                <p class="hint">Rows are layers and columns heads, both numbered from 0; each thumbnail is that head's
                query-by-key attention, darker for more weight. Click one to open it in the head view.</p>
                <div id="grid"></div>
                </section>
                <section id="rollout-view" hidden>
                <div class="controls">
                <label>Into token <select id="rollout-token"></select></label>
                <label><input type="checkbox" id="rollout-no-special" checked> leave out [CLS] and [SEP]</label>
                </div>
                <p id="rollout-caption" class="caption"></p>
                <div id="rollout-tokens"></div>
                <p class="hint">Attention rollout (Abnar &amp; Zuidema 2020): how much each token flows into the chosen
                token's top-layer representation. [CLS] and [SEP] usually take most of it; leaving them out sets them
                to 0 and renormalises the row over the other tokens so these can be told apart.</p>
                </section>
                """);
        out.append("<details>\n<summary>Provenance</summary>\n<pre>").append(Markup.escape(provenanceJson))
                .append("</pre>\n</details>\n");
        out.append(DATA_OPEN).append(data).append(DATA_CLOSE).append('\n');
        out.append("<script>\n").append(resource("attention-page.js")).append("</script>\n</body>\n</html>\n");
        return out.toString();
    }

    /** Writes {@link #html} to {@code file} atomically, as UTF-8. */
    public static void write(Path file, String title, List<String> tokens, float[][][][] attention,
            String provenanceJson) throws IOException {
        write(file, title, tokens, attention, null, 0, provenanceJson);
    }

    /** Writes {@link #html} with a rollout tab to {@code file} atomically, as UTF-8. */
    public static void write(Path file, String title, List<String> tokens, float[][][][] attention, float[][] rollout,
            int rolloutToken, String provenanceJson) throws IOException {
        AtomicFiles.write(file, html(title, tokens, attention, rollout, rolloutToken, provenanceJson)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {"tokens": [...], "layers": L, "heads": H, "levels": 255, "attention": base64 of one byte per weight in
     * [layer][head][query][key] order, and with a rollout "rollout": base64 of little-endian float32 [query][key]
     * and "rolloutToken"}. The rollout keeps full precision because renormalising without [CLS] and [SEP]
     * magnifies its small entries.
     */
    private static String json(List<String> tokens, float[][][][] attention, float[][] rollout, int rolloutToken) {
        int t = tokens.size();
        int layers = attention.length;
        int heads = attention[0].length;
        byte[] bytes = new byte[layers * heads * t * t];
        int at = 0;
        for (float[][][] layer : attention) {
            for (float[][] head : layer) {
                for (float[] row : head) {
                    for (float w : row) {
                        bytes[at++] = (byte) quantise(w);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder(128 + t * 16 + bytes.length * 4 / 3 + (rollout == null ? 0 : t * t * 6));
        out.append("{\"tokens\":[");
        for (int i = 0; i < t; i++) {
            out.append(i == 0 ? "" : ",");
            appendString(out, tokens.get(i));
        }
        out.append("],\"layers\":").append(layers).append(",\"heads\":").append(heads)
                .append(",\"levels\":").append(LEVELS)
                .append(",\"attention\":\"").append(Base64.getEncoder().encodeToString(bytes)).append('"');
        if (rollout != null) {
            ByteBuffer floats = ByteBuffer.allocate(t * t * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : rollout) {
                for (float w : row) {
                    floats.putFloat(w);
                }
            }
            out.append(",\"rolloutToken\":").append(rolloutToken).append(",\"rollout\":\"")
                    .append(Base64.getEncoder().encodeToString(floats.array())).append('"');
        }
        out.append('}');
        return out.toString();
    }

    /** The stored byte of a weight: {@code round(255 w)}, with w clamped to [0, 1]. */
    static int quantise(float weight) {
        return Math.round(Math.max(0f, Math.min(1f, weight)) * LEVELS);
    }

    /**
     * A JSON string literal that is also inert inside a script element: everything outside printable ASCII and
     * every '<', '>' and '&' is a \\u escape, so no token can close the element ("</script") or open a comment,
     * and unpaired surrogates survive the UTF-8 encoding of the page.
     */
    private static void appendString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E || c == '<' || c == '>' || c == '&') {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static String resource(String name) {
        try (InputStream in = AttentionPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("page resource " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read page resource " + name, e);
        }
    }

    private static void check(List<String> tokens, float[][][][] attention) {
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("an attention page needs at least one token");
        }
        if (attention.length == 0 || attention[0].length == 0) {
            throw new IllegalArgumentException("an attention page needs at least one layer and one head");
        }
        int t = tokens.size();
        int heads = attention[0].length;
        for (int l = 0; l < attention.length; l++) {
            if (attention[l].length != heads) {
                throw new IllegalArgumentException("layer " + l + " has " + attention[l].length + " heads, layer 0 has "
                        + heads);
            }
            for (int h = 0; h < heads; h++) {
                if (attention[l][h].length != t) {
                    throw new IllegalArgumentException("layer " + l + ", head " + h + " has " + attention[l][h].length
                            + " query rows for " + t + " tokens");
                }
                for (int q = 0; q < t; q++) {
                    checkRow(attention[l][h][q], t, l, h, q);
                }
            }
        }
    }

    private static void checkRollout(int tokens, float[][] rollout, int rolloutToken) {
        if (rollout.length != tokens) {
            throw new IllegalArgumentException("the rollout has " + rollout.length + " rows for " + tokens + " tokens");
        }
        if (rolloutToken < 0 || rolloutToken >= tokens) {
            throw new IllegalArgumentException("rollout token " + rolloutToken + " is outside the " + tokens + " tokens");
        }
        for (int q = 0; q < tokens; q++) {
            if (rollout[q].length != tokens) {
                throw new IllegalArgumentException("rollout row " + q + " has " + rollout[q].length + " keys for " + tokens + " tokens");
            }
            for (float w : rollout[q]) {
                if (!Float.isFinite(w)) {
                    throw new IllegalArgumentException("rollout row " + q + " has a non-finite weight " + w);
                }
            }
        }
    }

    /** JSON has no NaN or infinity, and a weight that is neither is a bug upstream, not something to draw. */
    private static void checkRow(float[] row, int tokens, int layer, int head, int query) {
        if (row.length != tokens) {
            throw new IllegalArgumentException("layer " + layer + ", head " + head + ", query " + query + " has "
                    + row.length + " keys for " + tokens + " tokens");
        }
        for (float w : row) {
            if (!Float.isFinite(w)) {
                throw new IllegalArgumentException("layer " + layer + ", head " + head + ", query " + query
                        + " has a non-finite weight " + w);
            }
        }
    }
}
