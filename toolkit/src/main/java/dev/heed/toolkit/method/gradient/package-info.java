/** Methods that attribute a class score to input pixels through gradients of the logit, in inference mode. */
package dev.heed.toolkit.method.gradient;
