/** Wrappers that compose with any attribution method, such as SmoothGrad's noise averaging. */
package dev.heed.toolkit.method.smoothing;
