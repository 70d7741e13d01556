package dev.heed.viewer;

import dev.heed.toolkit.diagram.Scene;
import dev.heed.toolkit.diagram.ScenePainter;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** An architecture diagram (or training curves) fitted to the window; + and - zoom, the arrow keys scroll. */
final class DiagramPicture implements PictureSource {
    private volatile Scene scene;
    private volatile long version;
    private double zoom = 1;
    private double scrollX;
    private double scrollY;

    DiagramPicture(Scene scene) {
        this.scene = scene;
    }

    /** Replaces the scene (live curves). */
    void show(Scene next) {
        scene = next;
        version++;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public BufferedImage render(int width, int height) {
        Scene s = scene;
        double fit = Math.min(width / s.width(), height / s.height());
        double scale = Math.max(0.05, Math.min(3, fit * zoom));
        BufferedImage picture = ScenePainter.paint(s, scale);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x = picture.getWidth() <= width ? (width - picture.getWidth()) / 2 : (int) -Math.round(scrollX * (picture.getWidth() - width));
            int y = picture.getHeight() <= height ? (height - picture.getHeight()) / 2 : (int) -Math.round(scrollY * (picture.getHeight() - height));
            g.drawImage(picture, x, y, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    @Override
    public boolean key(char c) {
        switch (c) {
            case '+', '=' -> zoom = Math.min(8, zoom * 1.25);
            case '-' -> zoom = Math.max(1, zoom / 1.25);
            case '0' -> {
                zoom = 1;
                scrollX = 0;
                scrollY = 0;
            }
            case 'j' -> scrollY = Math.min(1, scrollY + 0.1);
            case 'k' -> scrollY = Math.max(0, scrollY - 0.1);
            case 'l' -> scrollX = Math.min(1, scrollX + 0.1);
            case 'h' -> scrollX = Math.max(0, scrollX - 0.1);
            default -> {
                return false;
            }
        }
        version++;
        return true;
    }

    @Override
    public String keys() {
        return "+/- zoom · h j k l scroll · 0 fit · q quit";
    }
}
