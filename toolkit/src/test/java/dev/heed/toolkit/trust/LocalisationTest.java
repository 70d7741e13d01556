package dev.heed.toolkit.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LocalisationTest {
    @Test
    void pointingGameUsesAToleranceScaledFromFifteenPixelsAt224() {
        assertEquals(15.0, Localisation.tolerance(224, 100), 1e-12);
        assertEquals(1.875, Localisation.tolerance(28, 28), 1e-12);
        float[] map = new float[28 * 28];
        map[10 * 28 + 20] = 1f; // maximum at x = 20, y = 10 (centre 20.5, 10.5)
        Localisation.Box box = new Localisation.Box(0, 0, 19, 19); // right edge 19; 20.5 is 1.5 px away: inside 1.875
        assertTrue(Localisation.pointingHit(map, 28, 28, box));
        assertFalse(Localisation.pointingHit(map, 28, 28, new Localisation.Box(0, 0, 18, 18)), "2.5 px away: a miss");
    }

    @Test
    void energyInBoxCountsOnlyPositiveMass() {
        // 2x2 map [[3, -5], [1, 0]]: positive mass 4, of which the left column holds 4 and the top-left pixel 3
        float[] map = {3, -5, 1, 0};
        assertEquals(1.0, Localisation.energyInBox(map, 2, new Localisation.Box(0, 0, 1, 2)), 1e-12);
        assertEquals(0.75, Localisation.energyInBox(map, 2, new Localisation.Box(0, 0, 1, 1)), 1e-12);
        assertEquals(0.0, Localisation.energyInBox(new float[] {-1, -2, 0, 0}, 2, new Localisation.Box(0, 0, 2, 2)), 1e-12);
    }
}
