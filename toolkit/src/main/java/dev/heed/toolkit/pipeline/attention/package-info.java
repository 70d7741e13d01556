/**
 * The pipeline's stages for attention ({@code heed attention}): inputs that are text as well as images ({@link
 * dev.heed.toolkit.pipeline.attention.TextInputs}), the models by name ({@link
 * dev.heed.toolkit.pipeline.attention.AttentionModels}), one output folder per input written by {@link
 * dev.heed.toolkit.pipeline.attention.TextAttentionExport} or {@link dev.heed.toolkit.pipeline.attention.VitAttentionExport}
 * with its provenance.json last (so resume by settings works as for overlays), and the per-input outcomes of
 * summary.attention.json ({@link dev.heed.toolkit.pipeline.attention.InputReport}). Folder rule, failures and exit codes
 * are {@link dev.heed.toolkit.pipeline.BatchJob}'s.
 */
package dev.heed.toolkit.pipeline.attention;
