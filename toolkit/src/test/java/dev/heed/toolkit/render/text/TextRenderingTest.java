package dev.heed.toolkit.render.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.render.Colormap;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TextRenderingTest {

    private static final String MARKUP_TOKEN = "a<&>\"'b";
    private static final List<String> TOKENS = List.of(
            "[CLS]", "the", "cat", "##s", MARKUP_TOKEN, "</script>", "na\u00efve \ud83d\ude00", "[SEP]", "[PAD]");

    @TempDir
    Path folder;

    @Test
    void heatmapSvgIsXmlWithOneTitledCellPerHeadQueryAndKey() throws Exception {
        float[][][] heads = attention(1, 4, TOKENS.size(), 1)[0];
        Document svg = parse(TokenHeatmap.svg(TOKENS, heads, 2, Colormap.VIRIDIS));

        Element root = svg.getDocumentElement();
        assertEquals("svg", root.getTagName());
        assertTrue(root.hasAttribute("width") && root.hasAttribute("height") && root.hasAttribute("viewBox"));
        assertEquals(4 * TOKENS.size() * TOKENS.size(), titledRects(svg).size());
    }

    @Test
    void heatmapCellTooltipsNameQueryKeyAndProbability() throws Exception {
        float[][][] heads = attention(1, 2, TOKENS.size(), 2)[0];
        List<Element> cells = titledRects(parse(TokenHeatmap.svg(TOKENS, heads, 0, Colormap.VIRIDIS)));

        int q = 4;
        int k = 5;
        String expected = MARKUP_TOKEN + " \u2192 </script>: " + Markup.probability(heads[1][q][k]);
        Element cell = cells.get(TOKENS.size() * TOKENS.size() + q * TOKENS.size() + k);
        assertEquals(expected, cell.getElementsByTagName("title").item(0).getTextContent());
        assertEquals(Markup.hex(Colormap.VIRIDIS.rgb(heads[1][q][k])), cell.getAttribute("fill"));
    }

    @Test
    void tokensWithMarkupSurviveTheXmlParserAsText() throws Exception {
        float[][][] heads = attention(1, 1, TOKENS.size(), 3)[0];
        Document heatmap = parse(TokenHeatmap.svg(TOKENS, heads, 0, Colormap.VIRIDIS));
        assertTrue(texts(heatmap).contains(MARKUP_TOKEN), "row or column label");

        float[] scores = new float[TOKENS.size()];
        Document strip = parse(TokenStrip.svg(TOKENS, scores, "title <&>", Colormap.VIRIDIS, false));
        assertTrue(texts(strip).contains(MARKUP_TOKEN));
        assertTrue(texts(strip).contains("title <&>"));
    }

    @Test
    void heatmapPngCellsHaveTheColormapColourOfTheirProbability() {
        for (int tokens : new int[] {TOKENS.size(), 128}) {
            List<String> words = words(tokens);
            float[][][] heads = attention(1, 3, tokens, tokens)[0];
            heads[2][tokens - 1][0] = 0.37f; // a known value: floor(0.37 * 256) = entry 94
            Colormap cmap = Colormap.MAGMA;
            int[] lut = cmap.packedLut();
            BufferedImage png = TokenHeatmap.png(words, heads, 1, cmap);
            TokenHeatmap.Layout layout = new TokenHeatmap.Layout(words, heads.length, 1, TokenHeatmap.legend(cmap));

            assertEquals(layout.width, png.getWidth());
            assertEquals(layout.height, png.getHeight());
            assertEquals(lut[94], centre(png, layout, 2, tokens - 1, 0));
            for (int h = 0; h < heads.length; h++) {
                for (int q = 0; q < tokens; q++) {
                    for (int k = 0; k < tokens; k++) {
                        int index = Math.min(255, (int) Math.floor(heads[h][q][k] * 256));
                        assertEquals(lut[index], centre(png, layout, h, q, k), "head " + h + " cell " + q + "," + k);
                    }
                }
            }
        }
    }

    @Test
    void longInputsShrinkCellsButLabelEveryThirdTokenAndSaySo() throws Exception {
        List<String> words = words(128);
        float[][][] heads = attention(1, 2, 128, 4)[0];
        TokenHeatmap.Layout layout = new TokenHeatmap.Layout(words, 2, 0, TokenHeatmap.legend(Colormap.VIRIDIS));

        assertEquals(4, layout.cell, "512 px over 128 tokens");
        assertEquals(3, layout.labelEvery, "12 px between 10 px labels on 4 px rows");
        assertEquals(10, layout.labelSize);
        assertTrue(layout.header.contains("labels on every 3rd token (position:token, from 0)"), layout.header);
        String text = TokenHeatmap.svg(words, heads, 0, Colormap.VIRIDIS);
        Document svg = parse(text);
        List<String> labels = texts(svg);
        assertTrue(labels.contains("0:" + words.get(0)) && labels.contains("3:" + words.get(3))
                && labels.contains("126:" + words.get(126)), "every third token, with its position");
        assertFalse(labels.contains("1:" + words.get(1)) || labels.contains(words.get(5)), "the others are not labelled");
        assertEquals(2 * 2 * 43, labels.stream().filter(l -> l.matches("\\d+:.*")).count(),
                "43 labels per side and head");
        assertEquals(0, titledRects(svg).size(), "no per-cell vector rectangles at 128 tokens");
        assertTrue(text.length() < 1_000_000, "the SVG stays small: " + text.length() + " characters");
        org.w3c.dom.NodeList images = svg.getElementsByTagName("image");
        assertEquals(2, images.getLength(), "one embedded image per head");
        String uri = ((org.w3c.dom.Element) images.item(1)).getAttribute("href");
        java.awt.image.BufferedImage cells = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(uri.substring("data:image/png;base64,".length()))));
        assertEquals(128, cells.getWidth());
        assertEquals(Colormap.VIRIDIS.rgb(heads[1][7][9]), cells.getRGB(9, 7) & 0xFFFFFF, "head 1, query 7, key 9");

        // the PNG has the labels too: dark text pixels left of row 3 and above column 3 of head 0
        BufferedImage png = TokenHeatmap.png(words, heads, 0, Colormap.VIRIDIS);
        int rowCentre = layout.cellTop(0, 3) + layout.cell / 2;
        int columnCentre = layout.cellLeft(0, 3) + layout.cell / 2;
        assertTrue(darkPixels(png, layout.gridLeft(0) - 40, rowCentre - 3, 38, 6) > 5, "row label of token 3");
        assertTrue(darkPixels(png, columnCentre - 3, layout.gridTop(0) - 40, 6, 38) > 5, "column label of token 3");
        assertEquals(0, darkPixels(png, layout.gridLeft(0) - 40, layout.cellTop(0, 1) + 1, 38, 2),
                "no label on row 1");
    }

    private static int darkPixels(BufferedImage png, int x, int y, int width, int height) {
        int dark = 0;
        for (int j = y; j < y + height; j++) {
            for (int i = x; i < x + width; i++) {
                int rgb = png.getRGB(i, j);
                dark += (rgb >> 16 & 0xFF) + (rgb >> 8 & 0xFF) + (rgb & 0xFF) < 3 * 128 ? 1 : 0;
            }
        }
        return dark;
    }

    @Test
    void stripJoinsWordPiecesWithoutTheirMarker() throws Exception {
        float[] scores = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
        Document svg = parse(TokenStrip.svg(TOKENS, scores, "rollout", Colormap.VIRIDIS, false));
        List<Element> boxes = titledRects(svg);

        assertEquals(TOKENS.size(), boxes.size());
        Element cat = boxes.get(2);
        Element s = boxes.get(3);
        assertEquals(x(cat) + Integer.parseInt(cat.getAttribute("width")), x(s), "continuation is attached");
        assertTrue(x(boxes.get(1)) + Integer.parseInt(boxes.get(1).getAttribute("width")) < x(cat), "words have gaps");
        List<String> texts = texts(svg);
        assertTrue(texts.contains("s"));
        assertFalse(texts.contains("##s"));
    }

    @Test
    void signedStripCentresZeroOnTheColormap() throws Exception {
        List<String> tokens = List.of("low", "zero", "high");
        Document svg = parse(TokenStrip.svg(tokens, new float[] {-2, 0, 1}, "signed", Colormap.BWR, true));
        List<Element> boxes = titledRects(svg);

        assertEquals(Markup.hex(Colormap.BWR.rgb(0.0)), boxes.get(0).getAttribute("fill"));
        assertEquals(Markup.hex(Colormap.BWR.rgb(0.5)), boxes.get(1).getAttribute("fill"));
        assertEquals(Markup.hex(Colormap.BWR.rgb(0.75)), boxes.get(2).getAttribute("fill"));
    }

    @Test
    void stripWrapsLongTextNearNineHundredPixels() {
        List<String> words = new ArrayList<>(Collections.nCopies(200, "token"));
        BufferedImage png = TokenStrip.png(words, new float[200], "wrapped", Colormap.VIRIDIS, false);

        assertTrue(png.getWidth() <= 950, "width " + png.getWidth());
        assertTrue(png.getHeight() > 200, "height " + png.getHeight());
    }

    @Test
    void pageDataCannotCloseItsScriptAndParsesBackToTheWeights() {
        float[][][][] attention = attention(3, 4, TOKENS.size(), 5);
        float[][] rollout = attention(1, 1, TOKENS.size(), 15)[0][0];
        String html = AttentionPage.html("t </script>", TOKENS, attention, rollout, 2, "{\"note\": \"</script>\"}");

        Map<String, Object> data = pageData(html);
        assertEquals(TOKENS, data.get("tokens"));
        assertEquals(3, ((Number) data.get("layers")).intValue());
        assertEquals(4, ((Number) data.get("heads")).intValue());
        assertEquals(2, ((Number) data.get("rolloutToken")).intValue());
        byte[] weights = java.util.Base64.getDecoder().decode((String) data.get("attention"));
        int t = TOKENS.size();
        assertEquals(3 * 4 * t * t, weights.length, "one byte per weight");
        int at = 0;
        for (int l = 0; l < 3; l++) {
            for (int h = 0; h < 4; h++) {
                for (int q = 0; q < t; q++) {
                    for (int k = 0; k < t; k++) {
                        assertEquals(attention[l][h][q][k], (weights[at++] & 0xFF) / 255.0, 0.5 / 255 + 1e-7,
                                "layer " + l + " head " + h + " " + q + "," + k);
                    }
                }
            }
        }
        java.nio.ByteBuffer floats = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode((String) data.get("rollout")))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int q = 0; q < t; q++) {
            for (int k = 0; k < t; k++) {
                assertEquals(rollout[q][k], floats.getFloat(), "the rollout keeps float32");
            }
        }
    }

    @Test
    void aPageFor128TokensStaysUnderOnePointEightMegabytes() {
        // all-MiniLM-L6-v2's shape: 6 layers x 12 heads, at the default --max-tokens of 128
        int t = 128;
        float[][][][] attention = attention(6, 12, t, 16);
        float[][] rollout = attention(1, 1, t, 17)[0][0];
        String provenance = "{\"rollout\": " + java.util.Arrays.deepToString(rollout) + "}";
        String html = AttentionPage.html("128 tokens", words(t), attention, rollout, 0,
                provenance.substring(0, Math.min(provenance.length(), 20_000)));
        int bytes = html.getBytes(StandardCharsets.UTF_8).length;
        // base64 of 6*12*128*128 weight bytes (1,572,864) and of 128*128 float32 rollout weights (87,384) is
        // 1,660,248 characters whatever the values; script, styles, tokens and provenance add under 140 KB.
        // The page with four-decimal JSON weights was 7.4 MB.
        assertTrue(bytes > 1_660_248 && bytes < 1_800_000, bytes + " bytes");
    }

    @Test
    void theHeadLegendPutsEachNumberInTheBoxOfItsOwnCheckbox() {
        String html = AttentionPage.html("legend", TOKENS, attention(1, 3, TOKENS.size(), 18), "{}");
        // the script builds one label per head: checkbox, swatch, number, in that order and nothing else
        assertTrue(html.contains("label.appendChild(box);\n      label.appendChild(swatch);\n"
                + "      label.appendChild(document.createTextNode(String(h)));"), "checkbox, colour, number in one label");
        assertTrue(html.contains(".head-toggle { display: inline-flex;") && html.contains("border: 1px solid #ccc"),
                "each head's label is a bordered box");
        assertTrue(html.contains("#heads { display: inline-flex; flex-wrap: wrap; gap: 6px; }"),
                "space between boxes, so a number cannot sit against the next checkbox");
    }

    @Test
    void pageIsSelfContained() {
        String html = AttentionPage.html("offline", TOKENS, attention(2, 2, TOKENS.size(), 6), "{\"url\": \"x\"}");

        assertFalse(html.contains("http://"));
        assertFalse(html.contains("https://"));
        assertFalse(html.contains("src="), "no external script or image");
        assertFalse(html.contains("<link"), "no external stylesheet");
        assertEquals(2, count(html, "</script>"), "only the data and the code close a script");
        assertTrue(html.contains("{&quot;url&quot;: &quot;x&quot;}"), "provenance is escaped");
    }

    @Test
    void writersProduceReadableFiles() throws Exception {
        float[][][][] attention = attention(2, 2, TOKENS.size(), 7);
        TokenHeatmap.write(folder, "heat", TOKENS, attention[1], 1, Colormap.VIRIDIS);
        TokenStrip.write(folder, "strip", TOKENS, new float[TOKENS.size()], "s", Colormap.VIRIDIS, false);
        AttentionPage.write(folder.resolve("page.html"), "p", TOKENS, attention, "{}");

        for (String name : List.of("heat", "strip")) {
            parse(Files.readString(folder.resolve(name + ".svg")));
            assertTrue(ImageIO.read(folder.resolve(name + ".png").toFile()).getWidth() > 0);
        }
        assertTrue(Files.readString(folder.resolve("page.html")).startsWith("<!DOCTYPE html>"));
    }

    @Test
    void mismatchedShapesAreRejected() {
        float[][][] heads = attention(1, 2, 3, 8)[0];
        assertThrows(IllegalArgumentException.class,
                () -> TokenHeatmap.svg(List.of("a", "b"), heads, 0, Colormap.VIRIDIS));
        assertThrows(IllegalArgumentException.class,
                () -> TokenStrip.svg(List.of("a", "b"), new float[3], "t", Colormap.VIRIDIS, false));
        float[][][][] nan = attention(1, 1, 2, 9);
        nan[0][0][1][1] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> AttentionPage.html("t", List.of("a", "b"), nan, "{}"));
    }

    /** Softmax rows of random logits: [layer][head][query][key], each row summing to 1. */
    private static float[][][][] attention(int layers, int heads, int tokens, long seed) {
        Random random = new Random(seed);
        float[][][][] out = new float[layers][heads][tokens][tokens];
        for (float[][][] layer : out) {
            for (float[][] head : layer) {
                for (float[] row : head) {
                    double[] e = new double[tokens];
                    double sum = 0;
                    for (int k = 0; k < tokens; k++) {
                        e[k] = Math.exp(2 * random.nextGaussian());
                        sum += e[k];
                    }
                    for (int k = 0; k < tokens; k++) {
                        row[k] = (float) (e[k] / sum);
                    }
                }
            }
        }
        return out;
    }

    private static List<String> words(int count) {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            words.add(i % 5 == 4 ? "##w" + i : "word" + i);
        }
        return words;
    }

    private static int centre(BufferedImage png, TokenHeatmap.Layout layout, int head, int query, int key) {
        int x = layout.cellLeft(head, key) + layout.cell / 2;
        int y = layout.cellTop(head, query) + layout.cell / 2;
        return png.getRGB(x, y) & 0xFFFFFF;
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    /** The rects that carry a tooltip, in document order: heatmap cells or strip boxes, nothing decorative. */
    private static List<Element> titledRects(Document svg) {
        List<Element> out = new ArrayList<>();
        NodeList rects = svg.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element rect = (Element) rects.item(i);
            if (rect.getElementsByTagName("title").getLength() == 1) {
                out.add(rect);
            }
        }
        return out;
    }

    private static List<String> texts(Document svg) {
        List<String> out = new ArrayList<>();
        NodeList texts = svg.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            out.add(texts.item(i).getTextContent());
        }
        return out;
    }

    private static int x(Element rect) {
        return Integer.parseInt(rect.getAttribute("x"));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pageData(String html) {
        int start = html.indexOf(AttentionPage.DATA_OPEN) + AttentionPage.DATA_OPEN.length();
        int end = html.indexOf(AttentionPage.DATA_CLOSE, start);
        String json = html.substring(start, end);
        assertFalse(json.toLowerCase().contains("</script"));
        assertFalse(json.contains("<"));
        return (Map<String, Object>) new JsonReader(json).read();
    }

    /** Just enough JSON to read the page's data back: objects, arrays, strings, numbers and literals. */
    private static final class JsonReader {
        private final String text;
        private int at;

        JsonReader(String text) {
            this.text = text;
        }

        Object read() {
            Object value = value();
            skipSpace();
            assertEquals(text.length(), at, "trailing characters");
            return value;
        }

        private Object value() {
            skipSpace();
            char c = text.charAt(at);
            if (c == '{') {
                return object();
            }
            if (c == '[') {
                return array();
            }
            if (c == '"') {
                return string();
            }
            for (String literal : new String[] {"true", "false", "null"}) {
                if (text.startsWith(literal, at)) {
                    at += literal.length();
                    return literal.equals("null") ? null : Boolean.valueOf(literal);
                }
            }
            return number();
        }

        private Map<String, Object> object() {
            Map<String, Object> out = new LinkedHashMap<>();
            expect('{');
            skipSpace();
            if (text.charAt(at) == '}') {
                at++;
                return out;
            }
            do {
                skipSpace();
                String key = string();
                skipSpace();
                expect(':');
                out.put(key, value());
                skipSpace();
            } while (text.charAt(at++) == ',');
            assertEquals('}', text.charAt(at - 1));
            return out;
        }

        private List<Object> array() {
            List<Object> out = new ArrayList<>();
            expect('[');
            skipSpace();
            if (text.charAt(at) == ']') {
                at++;
                return out;
            }
            do {
                out.add(value());
                skipSpace();
            } while (text.charAt(at++) == ',');
            assertEquals(']', text.charAt(at - 1));
            return out;
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            for (char c = text.charAt(at++); c != '"'; c = text.charAt(at++)) {
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escaped = text.charAt(at++);
                switch (escaped) {
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    default -> out.append(escaped); // \" \\ \/
                }
            }
            return out.toString();
        }

        private Double number() {
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            return Double.valueOf(text.substring(start, at));
        }

        private void expect(char c) {
            assertEquals(c, text.charAt(at), "at " + at);
            at++;
        }

        private void skipSpace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }
    }
}
