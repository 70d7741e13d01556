/**
 * JavaCPP-bound CUDA kernels for Heed's map maths. This module knows nothing of the toolkit; it is filled by the
 * CUDA-kernels issue. Until then it holds only the exception type that marks the native boundary.
 */
package dev.heed.kernels;
