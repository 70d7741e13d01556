/** The explanation plan's CUDA executor: Heed's own kernels, through the driver API, with device-resident passes. */
package dev.heed.toolkit.engine.cuda;
