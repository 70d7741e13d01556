/** Files in and out: decoding input images, preparing model inputs, .npy maps and atomic writes. */
package dev.heed.toolkit.io;
