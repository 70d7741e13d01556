package dev.heed.toolkit.backend;

/** Which keys the queries of each image may attend to. */
public sealed interface KeyMask {
    /** Every key of every image is valid. */
    static KeyMask everyKey() {
        return EveryKey.INSTANCE;
    }

    /** Key {@code t} of image {@code i} is valid where {@code valid[i * tokens + t]} is non-zero. */
    static KeyMask of(float[] valid) {
        return new Valid(valid);
    }

    /** See {@link #everyKey()}. */
    enum EveryKey implements KeyMask {
        INSTANCE
    }

    /** See {@link #of}; {@code [n][tokens]}, zero where a key is masked; the caller's array, not copied. */
    record Valid(float[] values) implements KeyMask {
        public Valid {
            if (values == null) {
                throw new IllegalArgumentException("a key mask needs values; use KeyMask.everyKey() for none");
            }
        }
    }
}
