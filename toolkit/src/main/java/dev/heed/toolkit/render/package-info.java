/**
 * Drawing saliency maps, in plain Java with no dependency beyond the JDK: matplotlib-exact colormaps, the
 * normalisations that turn raw maps into value ranges, alpha compositing over the input image, colour bars,
 * montages and atomic PNG output. It is the reference the rest of Heed is held to: the GL viewer's shaders and the
 * CUDA backend's colourise-and-blend op upload {@link dev.heed.toolkit.render.Colormap#lut()} and are checked
 * pixel for pixel against {@link dev.heed.toolkit.render.Overlay}.
 */
package dev.heed.toolkit.render;
