/** Methods that probe the model by changing its input and watching the score, with forward passes only. */
package dev.heed.toolkit.method.perturbation;
