/**
 * The path from image files to output files, as toolkit classes every front end shares ({@code heed overlay}, the
 * viewer's export, the Spark job): {@link dev.heed.toolkit.pipeline.ImageInput} loads, {@link
 * dev.heed.toolkit.pipeline.Explainer} explains a batch and isolates failures to the one bad image, {@link
 * dev.heed.toolkit.pipeline.Renderer} draws overlays through the backend, {@link dev.heed.toolkit.pipeline.OutputWriter}
 * writes names, PNGs, raw maps and typed provenance atomically. {@link dev.heed.toolkit.pipeline.BatchJob} holds what
 * every batch command shares: the output-folder rule, resume by settings, failures and exit codes.
 */
package dev.heed.toolkit.pipeline;
