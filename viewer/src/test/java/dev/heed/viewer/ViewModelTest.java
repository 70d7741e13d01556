package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.render.Colormap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interaction logic, without OpenGL. */
class ViewModelTest {
    @Test
    void aMapNotReadyYetKeepsTheLastOneOnScreenMarkedBusyAndAStaleResultIsNeverShown() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            assertTrue(view.awaitMaps(5000));
            Frame first = view.frame();
            assertFalse(first.busy());
            assertEquals(0f, first.panes().get(0).values()[0]);
            source.hold(1);
            view.apply(ViewModel.Command.NEXT_METHOD); // method 1, held back
            assertTrue(source.awaitStarted(1), "method 1 is being computed");
            Frame waiting = view.frame();
            assertTrue(waiting.busy());
            assertTrue(waiting.panes().get(0).stale(), "the last map stays, marked stale");
            assertEquals(0f, waiting.panes().get(0).values()[0], "still method 0's values");
            view.apply(ViewModel.Command.NEXT_METHOD); // method 2 while 1 is still computing
            assertTrue(view.frame().busy());
            source.release(1);
            assertTrue(view.awaitMaps(5000));
            Frame shown = view.frame();
            assertFalse(shown.busy());
            assertEquals(200f, shown.panes().get(0).values()[0], "method 2 is shown, not the late method 1");
            assertEquals(1, view.droppedResults(), "method 1's result arrived after the user moved on");
        }
    }

    @Test
    void aQueuedMapNoLongerWantedWhenItsTurnComesIsNotComputed() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            assertTrue(view.awaitMaps(5000));
            source.hold(1);
            view.apply(ViewModel.Command.NEXT_METHOD); // method 1 blocks the worker
            assertTrue(source.awaitStarted(1));
            view.apply(ViewModel.Command.NEXT_METHOD); // method 2 queues behind it
            view.apply(ViewModel.Command.NEXT_METHOD); // back to method 0 (cached): neither 1 nor 2 is wanted now
            int before = source.computed.get();
            source.release(1);
            assertTrue(view.awaitMaps(5000));
            Thread.sleep(100);
            assertEquals(before + 1, source.computed.get(), "method 1 finished; method 2 was skipped");
            assertEquals(0f, view.frame().panes().get(0).values()[0]);
        }
    }

    @Test
    void colourAlphaThresholdAndViewChangesRedrawWithoutRecomputing() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            assertTrue(view.awaitMaps(5000));
            int before = source.computed.get();
            for (ViewModel.Command c : List.of(ViewModel.Command.NEXT_COLORMAP, ViewModel.Command.MORE_ALPHA, ViewModel.Command.MORE_THRESHOLD,
                    ViewModel.Command.NEXT_NORMALISATION, ViewModel.Command.ZOOM_IN, ViewModel.Command.TOGGLE_HELP)) {
                view.apply(c);
            }
            assertTrue(view.awaitMaps(5000));
            assertEquals(before, source.computed.get());
            ViewState s = view.state();
            assertEquals(Colormap.INFERNO, s.colormap());
            assertEquals(0.6f, s.alpha(), 1e-6);
            assertEquals(0.05f, s.threshold(), 1e-6);
            assertEquals(ViewState.Normalisation.PERCENTILE, s.normalisation());
            assertFalse(s.help());
            view.apply(ViewModel.Command.NEXT_IMAGE);
            assertTrue(view.awaitMaps(5000));
            assertEquals(before + 1, source.computed.get(), "a new image needs a new map");
            assertEquals(1f, view.state().zoom(), "and resets the view");
        }
    }

    @Test
    void gridSideBySideAndDifferenceShowTheRightMaps() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            view.apply(ViewModel.Command.TOGGLE_GRID);
            assertTrue(view.awaitMaps(5000));
            assertEquals(3, view.frame().panes().size());
            assertEquals(200f, view.frame().panes().get(2).values()[0]);
            view.apply(ViewModel.Command.TOGGLE_DIFFERENCE);
            assertTrue(view.awaitMaps(5000));
            Frame diff = view.frame();
            assertEquals(1, diff.panes().size());
            assertEquals(Colormap.BWR, diff.panes().get(0).colormap());
            // both maps rise by 1 per pixel over 12 pixels: min-max normalised they are equal, so the difference is 0
            for (float v : diff.panes().get(0).values()) {
                assertEquals(0f, v, 1e-6);
            }
            view.apply(ViewModel.Command.TOGGLE_SIDE_BY_SIDE);
            assertTrue(view.awaitMaps(5000));
            assertEquals(2, view.frame().panes().size());
            assertTrue(view.frame().status().contains("skipped 1 unreadable image(s): broken.png: empty file (0 bytes)"));
            view.apply(ViewModel.Command.NEXT_TARGET);
            assertTrue(view.awaitMaps(5000));
            assertTrue(view.frame().status().contains("target dog 0.20 (top-2)"), view.frame().status());
            assertEquals(java.util.Set.of("heed-viewer-maps"), source.callingThreads, "sources are used from the map thread only");
        }
    }

    @Test
    void normalisationRangesAreMinMaxPercentileOrSymmetric() {
        float[] values = {-2, 0, 1, 2, 3, 4, 5, 6, 7, 100};
        assertArrayEquals(new float[] {-2, 100}, ViewModel.range(values, ViewState.Normalisation.MINMAX));
        assertArrayEquals(new float[] {-100, 100}, ViewModel.range(values, ViewState.Normalisation.SIGNED));
        // numpy.percentile(values, [1, 99]) = [-1.82, 91.63]
        assertArrayEquals(new float[] {-1.82f, 91.63f}, ViewModel.range(values, ViewState.Normalisation.PERCENTILE), 1e-3f);
    }

    @Test
    void hoverFindsTheMapPixelUnderTheMouseThroughZoomAndPan() {
        Layout.Rect pane = new Layout.Rect(100, 50, 400, 300);
        ViewState plain = ViewState.initial();
        assertArrayEquals(new int[] {0, 0}, Layout.mapPixel(pane, 100, 50, 4, 3, plain));
        assertArrayEquals(new int[] {3, 2}, Layout.mapPixel(pane, 499, 349, 4, 3, plain));
        assertNull(Layout.mapPixel(pane, 99, 50, 4, 3, plain));
        ViewState zoomed = plain.withView(2f, 0.25f, 0f); // the right half, magnified
        assertArrayEquals(new int[] {2, 0}, Layout.mapPixel(pane, 100, 50, 4, 3, zoomed));
        assertEquals(0.25f, zoomed.panX());
        assertEquals(0.25f, plain.withView(2f, 9f, 0f).panX(), "panning stops at the image edge");
    }

    /** The window point over map pixel (3, 2) of the first pane, in a 640x480 window with the view's help setting. */
    private static int[] pointOverLastPixel(ViewModel view) {
        Frame f = view.frame();
        Layout.Rect r = f.layout(640, 480).get(0);
        return new int[] {r.x() + r.width() - 2, r.y() + r.height() - 2};
    }

    @Test
    void theValueUnderTheMouseFollowsMethodAndImageChangesAndIsNeverAnOutdatedNumber() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            assertTrue(view.awaitMaps(5000));
            assertEquals("", view.frame().hover(), "no mouse, no value");
            int[] at = pointOverLastPixel(view);
            view.pointAt(at[0], at[1], 640, 480);
            assertEquals("pixel (3, 2) of method 0: 11.00", view.frame().hover());
            source.hold(FakeSource.SIGNED_METHOD);
            view.apply(ViewModel.Command.NEXT_METHOD);
            assertTrue(source.awaitStarted(FakeSource.SIGNED_METHOD));
            assertEquals("pixel (3, 2): updating…", view.frame().hover(), "method 0's value is not shown for method 1");
            source.release(FakeSource.SIGNED_METHOD);
            assertTrue(view.awaitMaps(5000));
            assertEquals("pixel (3, 2) of method 1: 5.000", view.frame().hover(), "the mouse did not move; the value did");
            view.apply(ViewModel.Command.NEXT_IMAGE);
            assertTrue(view.awaitMaps(5000));
            assertEquals("pixel (3, 2) of method 1: 15.00", view.frame().hover(), "image b's value");
            view.apply(ViewModel.Command.TOGGLE_HELP); // the panes grow: the same point is over another pixel or none
            assertFalse(view.frame().hover().endsWith(": 15") && !view.frame().hover().startsWith("pixel (3, 2)"));
            view.pointerLeft();
            assertEquals("", view.frame().hover());
        }
    }

    @Test
    void theStatusStatesEachPanesRealColormapAndNormalisation() throws Exception {
        FakeSource source = new FakeSource();
        try (ViewModel view = new ViewModel(source)) {
            assertTrue(view.awaitMaps(5000));
            String[] single = view.frame().status().split("\n");
            assertEquals("colour: viridis, min-max", single[1]);
            assertFalse(single[0].contains("viridis") || single[0].contains("minmax"), "the colour is stated once, on its line");
            view.apply(ViewModel.Command.TOGGLE_SIDE_BY_SIDE); // method 0 beside the signed method 1
            assertTrue(view.awaitMaps(5000));
            Frame both = view.frame();
            assertEquals("colour (each pane its own range, on its bar): viridis, min-max (one) · bwr, symmetric about 0 (signed map) (two)",
                    both.status().split("\n")[1]);
            assertEquals(Colormap.VIRIDIS, both.panes().get(0).colormap());
            assertEquals(Colormap.BWR, both.panes().get(1).colormap());
            assertArrayEquals(new float[] {0f, 11f}, new float[] {both.panes().get(0).lo(), both.panes().get(0).hi()});
            assertArrayEquals(new float[] {-6f, 6f}, new float[] {both.panes().get(1).lo(), both.panes().get(1).hi()});
            view.apply(ViewModel.Command.NEXT_COLORMAP);
            view.apply(ViewModel.Command.NEXT_NORMALISATION);
            assertEquals("colour (each pane its own range, on its bar): inferno, 1st–99th percentile (one) · bwr, symmetric about 0 (signed map) (two)",
                    view.frame().status().split("\n")[1], "a chosen colormap and normalisation apply to unsigned maps only");
            view.apply(ViewModel.Command.NEXT_NORMALISATION); // signed for all: bwr everywhere, the signed map still named
            assertEquals("colour (each pane its own range, on its bar): bwr, symmetric about 0 (one) · bwr, symmetric about 0 (signed map) (two)",
                    view.frame().status().split("\n")[1]);
            view.apply(ViewModel.Command.TOGGLE_SIDE_BY_SIDE);
            view.apply(ViewModel.Command.TOGGLE_DIFFERENCE);
            assertTrue(view.awaitMaps(5000));
            assertEquals("colour: bwr, fixed −1 to 1", view.frame().status().split("\n")[1]);
            view.apply(ViewModel.Command.TOGGLE_HELP);
            assertTrue(view.frame().status().split("\n")[0].endsWith("· ? keys"), "with the help hidden, the status says how to get it back");
        }
    }

    @Test
    void theKeyHelpStripCoversNoPaneAndNoBarAndEveryBarFitsTheWindow() {
        for (int[] window : new int[][] {{640, 480}, {800, 600}, {1280, 800}, {1920, 1080}}) {
            for (int count : new int[] {1, 2, 3, 9}) {
                for (int[] image : new int[][] {{28, 28}, {224, 160}, {100, 300}}) {
                    List<Layout.Rect> panes = Layout.panes(count, image[0], image[1], window[0], window[1], true);
                    Layout.Rect help = Layout.help(window[0], window[1]);
                    String where = count + " panes of " + image[0] + "x" + image[1] + " in " + window[0] + "x" + window[1];
                    for (Layout.Rect p : panes) {
                        Layout.Rect bar = Layout.bar(p);
                        assertTrue(p.y() + p.height() <= help.y(), "pane above the help strip: " + where);
                        assertTrue(p.y() - Layout.TITLE_HEIGHT >= Layout.STATUS_HEIGHT, "pane below the status: " + where);
                        assertTrue(p.x() + p.width() + Layout.PANE_BAR_SPACE <= window[0], "bar and labels inside the window: " + where);
                        assertTrue(bar.x() >= p.x() + p.width(), "bar beside its pane: " + where);
                        for (Layout.Rect q : panes) {
                            assertTrue(q == p || q.x() >= bar.x() + Layout.PANE_BAR_SPACE - Layout.BAR_GAP || q.x() + q.width() <= p.x()
                                    || q.y() >= p.y() + p.height() || q.y() + q.height() <= p.y(), "no pane under another's bar: " + where);
                        }
                    }
                }
            }
        }
    }
}
