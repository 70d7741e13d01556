/**
 * The JOGL viewer: saliency and attention maps over their images at interactive frame rates. {@link
 * dev.heed.viewer.ViewModel} holds the interaction logic and knows nothing of OpenGL; {@link
 * dev.heed.viewer.OverlayRenderer} is a pure {@code GLEventListener} that draws immutable {@link
 * dev.heed.viewer.Frame} snapshots; {@link dev.heed.viewer.MapSource} computes maps off the render thread through the
 * toolkit's Backend.
 */
package dev.heed.viewer;
