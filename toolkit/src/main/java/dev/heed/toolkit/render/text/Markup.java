package dev.heed.toolkit.render.text;

import java.util.Locale;

/** Escaping and number formatting shared by the SVG and HTML writers. */
final class Markup {

    private static final char REPLACEMENT = '\uFFFD';

    private Markup() {
    }

    /**
     * {@code text} made safe as element content and as a quoted attribute value in XML and HTML. Characters XML 1.0
     * forbids even as references (most C0 controls, unpaired surrogates, U+FFFE/U+FFFF) become U+FFFD, because
     * tokenizers do emit byte-level pieces and one of them must not make the whole SVG unparsable.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i));
                    } else {
                        out.append(allowedInXml(c) ? c : REPLACEMENT);
                    }
                }
            }
        }
        return out.toString();
    }

    /** CSS/SVG hex notation of a packed 0xRRGGBB colour. */
    static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
    }

    /** Three decimals, the precision an attention probability is worth reading at. */
    static String probability(double p) {
        return String.format(Locale.ROOT, "%.3f", p);
    }

    /** Three significant digits without trailing zeros (0.05, 12.3, 1.5e-05), for scores of any magnitude. */
    static String significant(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        String text = String.format(Locale.ROOT, "%.3g", value + 0.0); // + 0.0 turns -0.0 into 0.0
        int exponent = text.indexOf('e');
        String mantissa = exponent < 0 ? text : text.substring(0, exponent);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return exponent < 0 ? mantissa : mantissa + text.substring(exponent);
    }

    private static boolean allowedInXml(char c) {
        if (Character.isSurrogate(c)) {
            return false; // a paired one was copied before this check
        }
        return c >= 0x20 ? c != 0xFFFE && c != 0xFFFF : c == '\t' || c == '\n' || c == '\r';
    }
}
