package dev.heed.viewer;

import dev.heed.toolkit.playground.Playground;
import dev.heed.toolkit.playground.PlaygroundDataset;
import dev.heed.toolkit.playground.PlaygroundFrame;
import dev.heed.toolkit.playground.PlaygroundSettings;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The interactive Playground: space plays and pauses, s steps once, r resets, + and - change the speed (steps per
 * second, which the original lacks), d switches the dataset. One thread owns the {@link Playground} (it is not
 * thread-safe): it trains, and renders a frame at most ten times a second; the render thread only shows the last one.
 */
final class PlaygroundPicture implements PictureSource {
    private static final int[] SPEEDS = {1, 2, 5, 10, 20, 50, 100, 200, 500};
    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;
    private final Thread trainer;
    private volatile BufferedImage frame;
    private volatile long version;
    private volatile boolean playing;
    private volatile int speed = 5;
    private volatile int pendingSteps;
    private volatile boolean resetWanted;
    private volatile PlaygroundDataset datasetWanted;
    private PlaygroundSettings settings;

    PlaygroundPicture(PlaygroundSettings settings) {
        this.settings = settings;
        this.trainer = new Thread(this::run, "heed-viewer-playground");
        trainer.setDaemon(true);
        trainer.start();
    }

    private void run() {
        org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(1); // tiny nets: one thread is several times faster
        Playground playground = Playground.create(settings);
        publish(playground);
        long lastFrame = 0;
        double owed = 0;
        long last = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            if (datasetWanted != null) {
                settings = settings.withDataset(datasetWanted);
                datasetWanted = null;
                playground = Playground.create(settings);
                publish(playground);
            }
            if (resetWanted) {
                resetWanted = false;
                playground.reset();
                publish(playground);
            }
            long now = System.nanoTime();
            owed = playing ? Math.min(owed + (now - last) / 1e9 * SPEEDS[speed], SPEEDS[speed]) : 0;
            last = now;
            int steps = (int) owed + pendingSteps;
            pendingSteps = 0;
            if (steps > 0) {
                owed -= (int) owed;
                playground.steps(steps);
                if (System.nanoTime() - lastFrame > 100_000_000L || !playing) {
                    publish(playground);
                    lastFrame = System.nanoTime();
                }
            } else {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void publish(Playground playground) {
        frame = PlaygroundFrame.render(playground, WIDTH, HEIGHT);
        version++;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public BufferedImage render(int width, int height) {
        BufferedImage f = frame;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        java.awt.Graphics2D g = out.createGraphics();
        try {
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, width, height);
            if (f != null) {
                double scale = Math.min(width / (double) f.getWidth(), (height - 24) / (double) f.getHeight());
                g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(f, 0, 24, (int) (f.getWidth() * scale), (int) (f.getHeight() * scale), null);
            }
            g.setColor(new java.awt.Color(60, 60, 60));
            g.setFont(new java.awt.Font("DejaVu Sans", java.awt.Font.PLAIN, 13));
            g.drawString((playing ? "playing" : "paused") + " · " + SPEEDS[speed] + " steps/s · " + keys(), 8, 17);
        } finally {
            g.dispose();
        }
        return out;
    }

    @Override
    public boolean key(char c) {
        switch (c) {
            case ' ' -> playing = !playing;
            case 's' -> {
                playing = false;
                pendingSteps++;
            }
            case 'r' -> resetWanted = true;
            case '+', '=' -> speed = Math.min(SPEEDS.length - 1, speed + 1);
            case '-' -> speed = Math.max(0, speed - 1);
            case 'd' -> {
                List<PlaygroundDataset> all = List.of(PlaygroundDataset.values());
                datasetWanted = all.get((all.indexOf(settings.dataset()) + 1) % all.size());
            }
            default -> {
                return false;
            }
        }
        version++;
        return true;
    }

    @Override
    public String keys() {
        return "space play/pause · s step · r reset · +/- speed · d dataset · q quit";
    }

    @Override
    public void close() {
        trainer.interrupt();
    }
}
