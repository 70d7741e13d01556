package dev.heed.toolkit.engine.onednn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * Owns native objects for one lifetime (a compiled plan's, or one pass's) and frees them all, newest first, when
 * closed, so that no create has a hand-paired destroy. Not thread-safe: each owner belongs to one compiled plan or
 * pass, whose calls are serialised.
 */
final class NativeOwner implements AutoCloseable {
    private final List<Pointer> owned = new ArrayList<>();
    private boolean closed;

    /** Takes {@code pointer} into this lifetime and returns it. */
    <T extends Pointer> T own(T pointer) {
        if (closed) {
            pointer.close();
            throw new IllegalStateException("the owner is closed");
        }
        owned.add(pointer);
        return pointer;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
