package dev.heed.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.playground.PlaygroundSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diagram, live-curves and Playground views, without OpenGL. */
class PictureSourcesTest {
    @TempDir
    Path tmp;

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void liveCurvesFollowATrainingLogAsItGrows() throws Exception {
        Path log = tmp.resolve("train.jsonl");
        try (CurvesPicture curves = new CurvesPicture(tmp)) {
            long waiting = curves.version();
            Files.writeString(log, "{\"type\":\"iteration\",\"iteration\":0,\"epoch\":0,\"loss\":2.0,\"gradientNorm\":{\"a\":1.0}}\n");
            assertTrue(waitFor(() -> curves.version() > waiting), "the first lines are drawn");
            long first = curves.version();
            Files.writeString(log, "{\"type\":\"iteration\",\"iteration\":1,\"epoch\":0,\"loss\":1.5,\"gradientNorm\":{\"a\":0.9}}\n",
                    StandardOpenOption.APPEND);
            assertTrue(waitFor(() -> curves.version() > first), "new lines redraw the curves");
            BufferedImage picture = curves.render(800, 600);
            assertEquals(800, picture.getWidth());
            assertEquals(600, picture.getHeight());
        }
    }

    @Test
    void thePlaygroundStepsPausesAndResetsFromKeys() throws Exception {
        try (PlaygroundPicture playground = new PlaygroundPicture(PlaygroundSettings.defaults())) {
            assertTrue(waitFor(() -> playground.version() > 0), "the first frame is drawn");
            long before = playground.version();
            assertTrue(playground.key('s'));
            assertTrue(waitFor(() -> playground.version() > before + 1), "a step draws a new frame");
            assertTrue(playground.key('+'));
            assertTrue(playground.key('r'));
            assertFalse(playground.key('x'), "unknown keys are not taken");
            assertEquals(960, playground.render(960, 564).getWidth());
        }
    }

    @Test
    void aDiagramFitsTheWindowAndZoomsOnKeys() {
        Scene scene = new Scene(400, 300);
        scene.add(new Scene.Rect(10, 10, 100, 50, 0, 0x336699, Scene.NONE, 0, "box"));
        DiagramPicture picture = new DiagramPicture(scene);
        BufferedImage fitted = picture.render(800, 600);
        assertEquals(0x336699, fitted.getRGB(60, 60) & 0xFFFFFF, "scaled by 2 to fit 800x600, the box covers (60, 60)");
        long v = picture.version();
        assertTrue(picture.key('+'));
        assertTrue(picture.version() > v);
    }
}
