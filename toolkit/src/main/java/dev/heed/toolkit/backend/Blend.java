package dev.heed.toolkit.backend;

/**
 * How normalised maps are coloured and laid over images: a 256-entry lookup table of packed {@code 0xRRGGBB} colours
 * (index {@code floor(v * 256)} clamped to 255, matplotlib's rule) and the weight {@code alpha} of the colour in
 * {@code round((1 - alpha) image + alpha colour)}. Checked once, here; the table is the caller's, not copied.
 */
public record Blend(int[] lut, float alpha) {
    public Blend {
        if (lut == null) {
            throw new IllegalArgumentException("a blend needs a colour table");
        }
        BackendArguments.checkLength("lut", lut.length, 256);
        BackendArguments.checkAlpha(alpha);
    }
}
