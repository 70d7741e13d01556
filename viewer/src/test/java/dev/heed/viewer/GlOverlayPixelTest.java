package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jogamp.opengl.GLAutoDrawable;
import com.jogamp.opengl.GLCapabilities;
import com.jogamp.opengl.GLDrawableFactory;
import com.jogamp.opengl.GLProfile;
import dev.heed.toolkit.backend.cpu.CpuBackend;
import dev.heed.toolkit.render.Colormap;
import dev.heed.toolkit.render.Overlay;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The GL overlay against the toolkit's CPU overlay, pixel by pixel, in an offscreen framebuffer. Needs an X display
 * with OpenGL 3 (Mesa's llvmpipe under Xvfb will do): {@code ./heed test} provides one. Where there is none the test
 * is skipped with the reason, except in CI ({@code CI} set), where a GL test that cannot run is a failure.
 */
class GlOverlayPixelTest {
    @Test
    void theShaderDrawsWhatTheCpuOverlayComputesWithinTwoLevels() {
        GLProfile profile = gl3OrSkip();
        int imageWidth = 10;
        int imageHeight = 7;
        int mapWidth = 5;
        int mapHeight = 4;
        Random random = new Random(4);
        int[] rgb = new int[imageWidth * imageHeight];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = random.nextInt(1 << 24);
        }
        float[] map = new float[mapWidth * mapHeight];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (random.nextGaussian() * 3 + 1);
        }
        float lo = -2f;
        float hi = 5f;
        float alpha = 0.6f;
        MapSource.DisplayImage image = new MapSource.DisplayImage("known", imageWidth, imageHeight, rgb);
        ViewState state = ViewState.initial().withHelp(false).withAlpha(alpha);
        Frame frame = new Frame(state, image, List.of(new Frame.Pane("known", map, mapWidth, mapHeight, lo, hi, Colormap.VIRIDIS, "min-max", false)),
                false, "", List.of(), "");
        int width = 640;
        int height = 480;
        OverlayRenderer renderer = new OverlayRenderer(() -> frame);
        AtomicReference<BufferedImage> shot = new AtomicReference<>();
        renderer.captureNext(shot::set);
        GLCapabilities caps = new GLCapabilities(profile);
        caps.setOnscreen(false);
        caps.setFBO(true);
        GLAutoDrawable drawable = GLDrawableFactory.getFactory(profile).createOffscreenAutoDrawable(null, caps, null, width, height);
        try {
            drawable.addGLEventListener(renderer);
            drawable.display();
        } finally {
            drawable.destroy();
        }
        BufferedImage drawn = shot.get();
        assertTrue(drawn != null, "the renderer handed back its pixels");
        Layout.Rect pane = frame.layout(width, height).get(0);
        int[] expected = expectedOverlay(rgb, imageWidth, imageHeight, map, mapWidth, mapHeight, pane.width(), pane.height(), lo, hi, alpha);
        int worst = 0;
        int compared = 0;
        for (int y = 0; y < pane.height(); y++) {
            double sy = (y + 0.5) * imageHeight / pane.height();
            for (int x = 0; x < pane.width(); x++) {
                double sx = (x + 0.5) * imageWidth / pane.width();
                if (Math.abs(sx - Math.rint(sx)) < 1e-3 || Math.abs(sy - Math.rint(sy)) < 1e-3) {
                    continue; // a nearest-texel tie: either neighbour is right
                }
                int got = drawn.getRGB(pane.x() + x, pane.y() + y) & 0xFFFFFF;
                int want = expected[y * pane.width() + x];
                for (int shift = 0; shift <= 16; shift += 8) {
                    worst = Math.max(worst, Math.abs(((got >> shift) & 0xFF) - ((want >> shift) & 0xFF)));
                }
                compared++;
            }
        }
        System.out.printf("GL vs CPU overlay: %d pixels compared, largest channel difference %d/255%n", compared, worst);
        assertTrue(compared > pane.width() * pane.height() / 2);
        assertTrue(worst <= 2, "largest channel difference " + worst + "/255");
    }

    /** The CPU path: nearest image pixels, bilinear (half-pixel) map, normalise, matplotlib LUT rule, blend. */
    private static int[] expectedOverlay(int[] rgb, int iw, int ih, float[] map, int mw, int mh, int w, int h, float lo, float hi,
                                         float alpha) {
        float[] up;
        try (CpuBackend cpu = new CpuBackend(1)) {
            up = cpu.upsampleBilinear(map, 1, mh, mw, h, w);
        }
        int[] lut = Colormap.VIRIDIS.packedLut();
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int px = (int) Math.floor((x + 0.5) * iw / w);
                int py = (int) Math.floor((y + 0.5) * ih / h);
                float u = Math.max(0f, Math.min(1f, (up[y * w + x] - lo) / (hi - lo)));
                int heat = lut[Math.min(255, (int) Math.floor(u * 256))];
                out[y * w + x] = Overlay.blend(rgb[py * iw + px], heat, alpha);
            }
        }
        return out;
    }

    static GLProfile gl3OrSkip() {
        try {
            return ViewerMain.openGl3();
        } catch (IllegalStateException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("GL test cannot run in CI: " + e.getMessage(), e);
            }
            Assumptions.abort("unverified: " + e.getMessage());
            return null;
        }
    }
}
