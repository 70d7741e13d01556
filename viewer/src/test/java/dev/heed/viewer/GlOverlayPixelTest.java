package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jogamp.opengl.GLAutoDrawable;
import com.jogamp.opengl.GLCapabilities;
import com.jogamp.opengl.GLDrawableFactory;
import com.jogamp.opengl.GLProfile;
import dev.heed.toolkit.backend.Maps;
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
        BufferedImage drawn = renderOffscreen(profile, frame, width, height);
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

    /**
     * Side by side, an unsigned map (viridis, min-max) beside a signed one (bwr, symmetric about 0): each pane's bar is
     * drawn in its own colormap, row for row the LUT entry the shader uses for that value, and labelled with its own
     * range in raw units; the key help sits in its strip below the panes.
     */
    @Test
    void sideBySideEachPaneHasItsOwnColourBarInItsOwnColormapAndRange() {
        GLProfile profile = gl3OrSkip();
        MapSource.DisplayImage image = new MapSource.DisplayImage("grey", 8, 8, new int[64]);
        float[] unsigned = new float[64];
        float[] signed = new float[64];
        for (int i = 0; i < 64; i++) {
            unsigned[i] = i * 0.5f;        // 0 to 31.5
            signed[i] = (i - 40) * 0.01f;   // -0.40 to 0.23
        }
        ViewState state = ViewState.initial().withCompare(ViewState.Compare.SIDE_BY_SIDE);
        Frame.Pane left = ViewModel.pane(new MapSource.ComputedMap(state.mapKey(), unsigned, 8, 8, false, "gradient", 1), state);
        Frame.Pane right = ViewModel.pane(new MapSource.ComputedMap(state.secondKey(), signed, 8, 8, true, "integrated gradients", 1), state);
        List<Frame.Pane> panes = List.of(left, right);
        Frame frame = new Frame(state, image, panes, false, "status\n" + ViewModel.colourLine(panes, List.of("gradient", "integrated gradients")),
                ViewModel.HELP, "");
        int width = 800;
        int height = 600;
        BufferedImage drawn = renderOffscreen(profile, frame, width, height);
        List<Layout.Rect> rects = frame.layout(width, height);
        assertEquals(List.of("31.5", "23.6", "15.8", "7.88", "0.00"), Hud.barLabels(left), "the unsigned pane's own range");
        assertEquals(List.of("0.400", "0.200", "0.00", "-0.200", "-0.400"), Hud.barLabels(right), "the signed pane's own range, symmetric");
        Colormap[] expected = {Colormap.VIRIDIS, Colormap.BWR};
        for (int p = 0; p < 2; p++) {
            Layout.Rect bar = Layout.bar(rects.get(p));
            int[] lut = expected[p].packedLut();
            int worst = 0;
            for (int row = 0; row < bar.height(); row++) {
                int want = lut[Hud.barIndex(row, bar.height())];
                for (int x = bar.x() + 1; x < bar.x() + bar.width() - 1; x++) {
                    int got = drawn.getRGB(x, bar.y() + row) & 0xFFFFFF;
                    for (int shift = 0; shift <= 16; shift += 8) {
                        worst = Math.max(worst, Math.abs(((got >> shift) & 0xFF) - ((want >> shift) & 0xFF)));
                    }
                }
            }
            System.out.printf("pane %d bar (%s, %d rows): largest channel difference %d/255%n", p, expected[p].id(), bar.height(), worst);
            assertTrue(worst <= 1, "pane " + p + "'s bar is " + expected[p].id() + ": largest channel difference " + worst);
            int labelPixels = 0;
            for (int y = bar.y(); y < bar.y() + bar.height(); y++) {
                for (int x = bar.x() + bar.width() + 5; x < bar.x() + Layout.PANE_BAR_SPACE - Layout.BAR_GAP; x++) {
                    labelPixels += (drawn.getRGB(x, y) & 0xFF) > 150 ? 1 : 0;
                }
            }
            assertTrue(labelPixels > 50, "pane " + p + "'s bar has its labels beside it (" + labelPixels + " light pixels)");
        }
        // the bwr bar's middle row is white-ish (0 in the middle), which no viridis row is
        Layout.Rect bwrBar = Layout.bar(rects.get(1));
        int middle = drawn.getRGB(bwrBar.x() + bwrBar.width() / 2, bwrBar.y() + bwrBar.height() / 2) & 0xFFFFFF;
        assertTrue(((middle >> 16) & 0xFF) > 200 && ((middle >> 8) & 0xFF) > 200 && (middle & 0xFF) > 200, Integer.toHexString(middle));
    }

    /** Draws one frame offscreen and reads it back. */
    static BufferedImage renderOffscreen(GLProfile profile, Frame frame, int width, int height) {
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
        return drawn;
    }

    /** The CPU path: nearest image pixels, bilinear (half-pixel) map, normalise, matplotlib LUT rule, blend. */
    private static int[] expectedOverlay(int[] rgb, int iw, int ih, float[] map, int mw, int mh, int w, int h, float lo, float hi,
                                         float alpha) {
        float[] up;
        try (CpuBackend cpu = new CpuBackend(1)) {
            up = cpu.upsampleBilinear(new Maps(map, 1, mh, mw), h, w).values();
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
