package dev.heed.toolkit.render.text;

import dev.heed.toolkit.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A single offline HTML page for exploring every layer and head of a text transformer's attention, in the manner of
 * bertviz: a head view (query tokens left, key tokens right, joined by lines whose opacity is the weight, one colour
 * per head) and a model view (one thumbnail per layer and head; clicking one opens it in the head view). Script,
 * styles and data are all inline, so the file works from file:// with no network; the script and styles are kept as
 * resources beside this class so they can be linted as what they are.
 */
public final class AttentionPage {

    /** Opens the element holding the data; the page's script reads it by id. */
    static final String DATA_OPEN = "<script type=\"application/json\" id=\"attention-data\">";
    static final String DATA_CLOSE = "</script>";

    /**
     * Four decimals are finer than any line opacity a screen shows, and keep a 12-layer, 12-head, 128-token page
     * near 15 MB.
     */
    private static final double ROUNDING = 10_000;
    private static final int DECIMALS = 4;

    private AttentionPage() {
    }

    /**
     * The page for {@code attention} = [layer][head][query][key] over {@code tokens}; {@code provenanceJson} is shown
     * verbatim in a collapsed block at the bottom.
     */
    public static String html(String title, List<String> tokens, float[][][][] attention, String provenanceJson) {
        check(tokens, attention);
        String data = json(tokens, attention);
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
                </nav>
                <section id="head-view">
                <div class="controls">
                <label>Layer <select id="layer"></select></label>
                <span>Heads</span><span id="heads"></span>
                <button id="all-heads" type="button">all</button><button id="no-heads" type="button">none</button>
                </div>
                <p class="hint">Each line joins a query token (left) to a key token (right); its opacity is the
                attention weight and its colour the head. Hover a token to see only its lines. Layers and heads are
                numbered from 0.</p>
                <svg id="lines"></svg>
                </section>
                <section id="model-view" hidden>
                <p class="hint">Rows are layers and columns heads, both numbered from 0; each thumbnail is that head's
                query-by-key attention, darker for more weight. Click one to open it in the head view.</p>
                <div id="grid"></div>
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
        AtomicFiles.write(file, html(title, tokens, attention, provenanceJson).getBytes(StandardCharsets.UTF_8));
    }

    /** {"tokens": [...], "attention": [[[[...]]]]}, with weights rounded to {@link #DECIMALS} places. */
    private static String json(List<String> tokens, float[][][][] attention) {
        int t = tokens.size();
        StringBuilder out = new StringBuilder(64 + t * 16 + attention.length * attention[0].length * t * t * 7);
        out.append("{\"tokens\":[");
        for (int i = 0; i < t; i++) {
            out.append(i == 0 ? "" : ",");
            appendString(out, tokens.get(i));
        }
        out.append("],\"attention\":[");
        for (int l = 0; l < attention.length; l++) {
            out.append(l == 0 ? "[" : ",[");
            for (int h = 0; h < attention[l].length; h++) {
                out.append(h == 0 ? "[" : ",[");
                for (int q = 0; q < t; q++) {
                    out.append(q == 0 ? "[" : ",[");
                    for (int k = 0; k < t; k++) {
                        out.append(k == 0 ? "" : ",");
                        appendRounded(out, attention[l][h][q][k]);
                    }
                    out.append(']');
                }
                out.append(']');
            }
            out.append(']');
        }
        out.append("]}");
        return out.toString();
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

    /** The shortest decimal of the weight rounded to four places: 0, 1, 0.5, 0.1235. */
    private static void appendRounded(StringBuilder out, float value) {
        long scaled = Math.round(value * ROUNDING);
        if (scaled < 0) {
            out.append('-');
            scaled = -scaled;
        }
        out.append(scaled / (long) ROUNDING);
        long fraction = scaled % (long) ROUNDING;
        if (fraction != 0) {
            String digits = Long.toString(fraction + (long) ROUNDING).substring(1); // zero-padded to DECIMALS
            int end = DECIMALS;
            while (digits.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(digits, 0, end);
        }
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
