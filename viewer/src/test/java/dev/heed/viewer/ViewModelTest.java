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
}
