package dev.heed.viewer;

import com.jogamp.newt.event.WindowAdapter;
import com.jogamp.newt.event.WindowEvent;
import com.jogamp.newt.opengl.GLWindow;
import com.jogamp.opengl.GLCapabilities;
import com.jogamp.opengl.GLEventListener;
import com.jogamp.opengl.GLProfile;
import com.jogamp.opengl.util.Animator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** A shown NEWT window driven by an animator: the owner of both; closing stops the animator and destroys the window. */
final class ViewerWindow implements AutoCloseable {
    private final GLWindow window;
    private final Animator animator;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    ViewerWindow(GLProfile profile, GLEventListener renderer, String title, int width, int height) {
        window = GLWindow.create(new GLCapabilities(profile));
        window.setTitle(title);
        window.setSize(width, height);
        window.addGLEventListener(renderer);
        window.addWindowListener(new WindowAdapter() {
            @Override
            public void windowDestroyed(WindowEvent e) {
                closed.complete(null);
            }
        });
        animator = new Animator(window);
        window.setVisible(true);
        animator.start();
    }

    GLWindow window() {
        return window;
    }

    /** Blocks until the user closes the window. */
    void awaitClosed() throws InterruptedException, ExecutionException {
        closed.get();
    }

    /** Turns vsync off, then collects frame start times for {@code seconds}; returns the intervals between frames, ns. */
    List<Long> frameIntervals(OverlayRenderer.FrameTimes times, int seconds) throws InterruptedException {
        window.invoke(true, d -> {
            d.getGL().setSwapInterval(0);
            return true;
        });
        times.drain();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Long> starts = new ArrayList<>();
        while (System.nanoTime() < end) {
            Thread.sleep(100);
            starts.addAll(times.drain());
        }
        List<Long> out = new ArrayList<>();
        for (int i = 1; i < starts.size(); i++) {
            out.add(starts.get(i) - starts.get(i - 1));
        }
        return out;
    }

    @Override
    public void close() {
        animator.stop();
        if (window.isRealized()) {
            window.destroy();
        }
    }
}
