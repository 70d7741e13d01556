/**
 * ONNX graphs to executor-independent plans: {@link dev.heed.toolkit.engine.onnx.OnnxPlanImporter} reads an ONNX
 * image classifier (the protobuf classes come with nd4j-api) and maps its nodes to plan ops, folding BatchNorm and the
 * shape arithmetic exporters emit; every executor and every saliency method then runs on it.
 */
package dev.heed.toolkit.engine.onnx;
