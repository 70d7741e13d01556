/** The CUDA backend: the only package that may import {@code dev.heed.kernels}. */
package dev.heed.toolkit.backend.cuda;
