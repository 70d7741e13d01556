/**
 * Pictures of text models: per-head token-by-token attention heatmaps (SVG and PNG), strips of per-token scores for
 * attention rollout and saliency, a self-contained offline HTML page for browsing every layer and head and the
 * rollout, and titled side-by-side panels with a colour bar (the ViT's summary.png). Token
 * labels are drawn with the JDK's sans-serif font, so the PNGs render headless; the SVG and HTML outputs are
 * measured with the same font, so their layouts match the PNGs.
 */
package dev.heed.toolkit.render.text;
