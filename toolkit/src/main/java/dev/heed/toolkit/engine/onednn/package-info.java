/**
 * Runs the explanation plan ({@code engine.plan}) on the CPU through oneDNN 2.5 (JavaCPP's {@code org.bytedeco:dnnl}
 * presets): convolution, inner product, pooling, eltwise, binary and reorder primitives, forward and backward-data,
 * with no weight gradients. {@link dev.heed.toolkit.engine.onednn.OneDnnExecutor} is the entry point; native objects
 * are owned by {@link dev.heed.toolkit.engine.onednn.NativeOwner}s tied to the compiled plan and to each pass, and
 * every oneDNN failure surfaces as one {@link dev.heed.toolkit.engine.onednn.OneDnnException}.
 */
package dev.heed.toolkit.engine.onednn;
