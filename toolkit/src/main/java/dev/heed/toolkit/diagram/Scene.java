package dev.heed.toolkit.diagram;

import java.util.ArrayList;
import java.util.List;

/**
 * A drawing as a list of plain shapes in user units (1 unit = 1 PNG pixel), painted in order. Colours are packed
 * {@code 0xRRGGBB}; {@code NONE} means no fill or no stroke. Every shape may carry a tooltip (an SVG {@code <title>}).
 */
public final class Scene {
    public static final int NONE = -1;

    /** One shape. */
    public sealed interface Shape permits Rect, Polygon, Line, Circle, Text { }

    public record Rect(double x, double y, double width, double height, double cornerRadius, int fill, int stroke,
                       double strokeWidth, String tooltip) implements Shape { }

    public record Polygon(double[] xs, double[] ys, int fill, int stroke, double strokeWidth, String tooltip) implements Shape { }

    /** A polyline; with {@code arrow} an arrow head at its last point. */
    public record Line(double[] xs, double[] ys, int stroke, double strokeWidth, double opacity, boolean arrow,
                       String tooltip) implements Shape { }

    public record Circle(double cx, double cy, double r, int fill, int stroke, double strokeWidth, String tooltip) implements Shape { }

    /** Text anchored at {@code (x, y)} on its baseline: {@code anchor} is start, middle or end. */
    public record Text(double x, double y, String text, double size, boolean bold, int colour, String anchor) implements Shape { }

    private final double width;
    private final double height;
    private final List<Shape> shapes = new ArrayList<>();

    public Scene(double width, double height) {
        this.width = width;
        this.height = height;
    }

    public double width() {
        return width;
    }

    public double height() {
        return height;
    }

    public List<Shape> shapes() {
        return List.copyOf(shapes);
    }

    public Scene add(Shape shape) {
        shapes.add(shape);
        return this;
    }

    /** The shapes of another scene moved by {@code (dx, dy)}. */
    public Scene addAll(Scene other, double dx, double dy) {
        for (Shape s : other.shapes) {
            shapes.add(moved(s, dx, dy));
        }
        return this;
    }

    private static Shape moved(Shape s, double dx, double dy) {
        if (s instanceof Rect r) {
            return new Rect(r.x() + dx, r.y() + dy, r.width(), r.height(), r.cornerRadius(), r.fill(), r.stroke(), r.strokeWidth(), r.tooltip());
        }
        if (s instanceof Polygon p) {
            return new Polygon(shift(p.xs(), dx), shift(p.ys(), dy), p.fill(), p.stroke(), p.strokeWidth(), p.tooltip());
        }
        if (s instanceof Line l) {
            return new Line(shift(l.xs(), dx), shift(l.ys(), dy), l.stroke(), l.strokeWidth(), l.opacity(), l.arrow(), l.tooltip());
        }
        if (s instanceof Circle c) {
            return new Circle(c.cx() + dx, c.cy() + dy, c.r(), c.fill(), c.stroke(), c.strokeWidth(), c.tooltip());
        }
        Text t = (Text) s;
        return new Text(t.x() + dx, t.y() + dy, t.text(), t.size(), t.bold(), t.colour(), t.anchor());
    }

    private static double[] shift(double[] values, double by) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += by;
        }
        return out;
    }
}
