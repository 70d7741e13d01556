/** Class activation maps: one template ({@link dev.heed.toolkit.method.cam.CamMethod}), one small class per paper. */
package dev.heed.toolkit.method.cam;
