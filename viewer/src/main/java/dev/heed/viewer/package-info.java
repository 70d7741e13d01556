/**
 * The JOGL viewer: saliency and attention overlays on input images at interactive frame rates. Filled by the viewer
 * issue; the module builds empty until then so that the top-level layout is in place.
 */
package dev.heed.viewer;
