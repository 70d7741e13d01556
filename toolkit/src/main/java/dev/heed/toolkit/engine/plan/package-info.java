/**
 * The explanation plan: a small, immutable, executor-independent description of a classifier as typed ops over
 * NCHW float32 tensors, with the weights copied in and the capture points named. Compilers build it (from DL4J in
 * {@code engine.dl4j}, later from ONNX); executors run it (the plain-Java reference in {@code engine.cpu}, later CUDA
 * and oneDNN). Nothing here depends on DL4J or ND4J, so the plan can travel where DL4J does not.
 */
package dev.heed.toolkit.engine.plan;
