package dev.heed.toolkit.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeTest {

    @Test
    void mapsLinearlyAndClamps() {
        Range r = new Range(-2, 6);
        assertEquals(0.0, r.toUnit(-2));
        assertEquals(0.25, r.toUnit(0));
        assertEquals(1.0, r.toUnit(6));
        assertEquals(0.0, r.toUnit(-100));
        assertEquals(1.0, r.toUnit(100));
        assertTrue(Double.isNaN(r.toUnit(Double.NaN)));
    }

    @Test
    void emptyRangeMapsEverythingToZero() {
        Range r = new Range(3, 3);
        assertEquals(0.0, r.toUnit(3));
        assertEquals(0.0, r.toUnit(10));
        assertEquals(0.0, r.toUnit(-10));
    }

    @Test
    void rejectsReversedOrNonFiniteBounds() {
        assertThrows(IllegalArgumentException.class, () -> new Range(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Range(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Range(0, Double.POSITIVE_INFINITY));
    }
}
