package dev.heed.toolkit.training;

/** One alarm: what fired, at which iteration, and a sentence a person can act on. */
public record Alert(long iteration, Kind kind, String message) {
    /** The conditions the lecture's curves are read for. */
    public enum Kind {
        DIVERGENCE, EXPLODING_GRADIENTS, VANISHING_GRADIENTS, DEAD_UNITS, PLATEAU;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }
}
