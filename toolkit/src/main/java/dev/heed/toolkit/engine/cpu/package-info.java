/**
 * The reference executor: every plan op in plain Java, forward and backward, float storage with double accumulation.
 * It is written to be read and trusted (the oracle the CUDA and oneDNN executors are checked against, beside DL4J), not
 * to be fast; convolutions are im2col plus a loop GEMM.
 */
package dev.heed.toolkit.engine.cpu;
