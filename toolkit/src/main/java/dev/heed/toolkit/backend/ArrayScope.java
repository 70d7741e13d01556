package dev.heed.toolkit.backend;

/**
 * The owner of the {@link ResidentArray}s made within it, as DJL's {@code NDManager} owns its arrays: closing the scope
 * frees every one of them at once (device memory, for the CUDA backend), so a method that chains backend ops keeps its
 * intermediate arrays where they were computed and never frees one by hand. Open it with {@link Backend#openScope()}
 * and close it with try-with-resources before the backend. Arrays of a closed scope must not be used. One thread at a
 * time, as the backend.
 */
public interface ArrayScope extends AutoCloseable {

    /** A new array holding a copy of {@code values}, whose length must be the product of {@code shape}. */
    ResidentArray upload(float[] values, int... shape);

    /** A copy of {@code array}'s values on the heap; the array must be this scope's. */
    float[] download(ResidentArray array);

    /**
     * Frees one array of this scope now, before the scope closes: what a loop over passes does with each pass's arrays,
     * so that device memory holds one pass's worth and not all of them. The array must not be used afterwards; one of
     * another scope, or one already released, is refused.
     */
    void release(ResidentArray array);

    /** Frees every array made in this scope. Idempotent. */
    @Override
    void close();
}
