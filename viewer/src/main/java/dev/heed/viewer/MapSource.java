package dev.heed.viewer;

import java.util.List;

/**
 * Where the viewer's images and maps come from. Implementations compute on whatever thread calls {@link #compute}
 * (the viewer calls it off the render thread) and must not be called from two threads at once.
 */
public interface MapSource extends AutoCloseable {
    /** One of an image's top predictions. */
    record Prediction(int classIndex, String name, float probability) {
        /** The {@code k} most probable classes, best first. */
        static List<Prediction> top(float[] probabilities, java.util.function.IntFunction<String> names, int k) {
            Integer[] order = new Integer[probabilities.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(probabilities[b], probabilities[a]));
            List<Prediction> out = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(k, order.length); i++) {
                out.add(new Prediction(order[i], names.apply(order[i]), probabilities[order[i]]));
            }
            return List.copyOf(out);
        }
    }

    /** A computed map at the model's input resolution, row-major. */
    record ComputedMap(ViewState.MapKey key, float[] values, int width, int height, boolean signed, String description,
                       long computeNanos) { }

    /** The image as the model sees it: packed RGB at the model's input size. */
    record DisplayImage(String name, int width, int height, int[] rgb) { }

    List<DisplayImage> images();

    /** Images that could not be read, each as one line naming the file and the problem. */
    List<String> skipped();

    List<String> methods();

    /** Attention models: layers and heads (0 when the source has none). */
    int layers();

    int heads();

    /** The top predictions of an image, best first. */
    List<Prediction> predictions(int image);

    ComputedMap compute(ViewState.MapKey key) throws Exception;

    /** Where the maps come from, for the status line and exported provenance. */
    String describe();

    @Override
    void close();
}
