package dev.heed.viewer;

import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.training.CurvesChart;
import dev.heed.toolkit.training.TrainingLogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Training curves that follow a {@code train.jsonl} while {@code heed train --log} writes it: the file is re-read
 * when it grows (half a second between looks), and a line still being written waits for the next look.
 */
final class CurvesPicture implements PictureSource {
    private final Path log;
    private final DiagramPicture picture;
    private final Thread watcher;
    private long seenSize = -1;

    CurvesPicture(Path log) {
        this.log = Files.isDirectory(log) ? log.resolve("train.jsonl") : log;
        this.picture = new DiagramPicture(waiting());
        this.watcher = new Thread(this::watch, "heed-viewer-curves");
        watcher.setDaemon(true);
        watcher.start();
    }

    private Scene waiting() {
        Scene s = new Scene(700, 120);
        s.add(new Scene.Text(20, 60, "waiting for " + log + " (start `heed train --log …`)", 14, false, 0x333333, "start"));
        return s;
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                long size = Files.exists(log) ? Files.size(log) : -1;
                if (size != seenSize && size > 0) {
                    seenSize = size;
                    picture.show(CurvesChart.scene(TrainingLogReader.read(log), "training curves · " + log + " (live)"));
                }
                Thread.sleep(500);
            } catch (IOException e) {
                Scene s = new Scene(900, 120);
                s.add(new Scene.Text(20, 60, e.getMessage(), 13, false, 0xd62728, "start"));
                picture.show(s);
                seenSize = -2;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public long version() {
        return picture.version();
    }

    @Override
    public java.awt.image.BufferedImage render(int width, int height) {
        return picture.render(width, height);
    }

    @Override
    public boolean key(char c) {
        return picture.key(c);
    }

    @Override
    public String keys() {
        return picture.keys();
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
