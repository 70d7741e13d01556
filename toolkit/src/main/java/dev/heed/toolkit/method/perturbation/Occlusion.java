package dev.heed.toolkit.method.perturbation;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Occlusion: slide a {@code window x window} patch of a constant baseline value over the image with the given stride
 * and record how much the class score drops; each pixel gets the mean drop over the windows covering it (Zeiler &amp;
 * Fergus, 2014, "Visualizing and Understanding Convolutional Networks"). Forward passes only; the occluded copies
 * are batched. Windows are placed so the last one touches the right and bottom edges.
 */
public final class Occlusion implements SaliencyMethod {
    /** The id on the command line and in provenance. */
    public static final String ID = "occlusion";

    private static final int VARIANTS_PER_PASS = 64;
    private final ModelAdapter model;
    private final Backend backend;
    private final int window;
    private final int stride;
    private final double baseline;

    /**
     * On a model that wants passes of many rows (the CUDA engine), the occluded copies are made on {@code backend}
     * where the image lives ({@link Backend#occlude}), {@link ModelAdapter#preferredPassRows()} of them per pass, and
     * only their logits come down; elsewhere they are made on the host, 64 per pass.
     */
    public Occlusion(ModelAdapter model, Backend backend, int window, int stride, double baseline) {
        int[] shape = model.inputShape();
        if (window < 1 || window > Math.min(shape[1], shape[2])) {
            throw new IllegalArgumentException("window must be in 1.." + Math.min(shape[1], shape[2]) + ", got " + window);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got " + stride);
        }
        this.model = model;
        this.backend = backend;
        this.window = window;
        this.stride = stride;
        this.baseline = baseline;
    }

    static int[] starts(int size, int window, int stride) {
        List<Integer> s = new ArrayList<>();
        for (int p = 0; p + window <= size; p += stride) {
            s.add(p);
        }
        if (s.get(s.size() - 1) + window < size) {
            s.add(size - window);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public List<Heatmap> explain(ExplainRequest request) {
        int[] shape = model.inputShape();
        int c = shape[0];
        int h = shape[1];
        int w = shape[2];
        int[] ys = starts(h, window, stride);
        int[] xs = starts(w, window, stride);
        INDArray inputs = request.inputs();
        INDArray logits = model.logits(inputs);
        TargetPlan plan = TargetPlan.of(logits, request.target());
        List<Heatmap> maps = new ArrayList<>();
        for (int i = 0; i < request.batchSize(); i++) {
            float[] image = TargetPlan.flat(TargetPlan.rowsOf(inputs, new int[] {i}));
            float[][] occludedLogits = model.preferredPassRows() > 0 ? logitsOnBackend(image, ys, xs, c, h, w)
                    : logitsOnHost(image, ys, xs, c, h, w);
            for (TargetPlan.Round round : plan.rounds()) {
                for (int k = 0; k < round.rows().length; k++) {
                    if (round.rows()[k] == i) {
                        maps.add(mapFor(i, round.classes()[k], round.scores()[k], occludedLogits, ys, xs, h, w));
                    }
                }
            }
        }
        return maps;
    }

    /** The logits of every occluded copy of {@code image}, the copies made on the host, 64 per pass. */
    private float[][] logitsOnHost(float[] image, int[] ys, int[] xs, int c, int h, int w) {
        int positions = ys.length * xs.length;
        float[][] occludedLogits = new float[positions][];
        for (int from = 0; from < positions; from += VARIANTS_PER_PASS) {
            int to = Math.min(positions, from + VARIANTS_PER_PASS);
            float[] batch = new float[(to - from) * image.length];
            for (int v = from; v < to; v++) {
                int offset = (v - from) * image.length;
                System.arraycopy(image, 0, batch, offset, image.length);
                int y0 = ys[v / xs.length];
                int x0 = xs[v % xs.length];
                for (int ch = 0; ch < c; ch++) {
                    for (int y = y0; y < y0 + window; y++) {
                        for (int x = x0; x < x0 + window; x++) {
                            batch[offset + (ch * h + y) * w + x] = (float) baseline;
                        }
                    }
                }
            }
            INDArray out = model.logits(Nd4j.create(batch, new long[] {to - from, c, h, w}, 'c'));
            for (int v = from; v < to; v++) {
                occludedLogits[v] = out.getRow(v - from).toFloatVector();
            }
        }
        return occludedLogits;
    }

    /** The same logits, the copies made on the backend from one upload of the image and passed to the model there. */
    private float[][] logitsOnBackend(float[] image, int[] ys, int[] xs, int c, int h, int w) {
        int positions = ys.length * xs.length;
        float[][] occludedLogits = new float[positions][];
        try (ArrayScope scope = backend.openScope()) {
            ResidentArray resident = scope.upload(image, 1, c, h, w);
            for (int from = 0; from < positions; from += model.preferredPassRows()) {
                int to = Math.min(positions, from + model.preferredPassRows());
                int[][] corners = new int[to - from][];
                for (int v = from; v < to; v++) {
                    corners[v - from] = new int[] {ys[v / xs.length], xs[v % xs.length]};
                }
                INDArray out;
                ResidentArray copies = backend.occlude(resident, corners, window, (float) baseline);
                try (ModelPass pass = model.forward(copies, null)) {
                    out = pass.logits();
                }
                scope.release(copies); // one pass's copies on the device at a time
                for (int v = from; v < to; v++) {
                    occludedLogits[v] = out.getRow(v - from).toFloatVector();
                }
            }
        }
        return occludedLogits;
    }

    private Heatmap mapFor(int image, int cls, float score, float[][] occludedLogits, int[] ys, int[] xs, int h, int w) {
        double[] sum = new double[h * w];
        int[] count = new int[h * w];
        for (int v = 0; v < occludedLogits.length; v++) {
            double drop = score - occludedLogits[v][cls];
            int y0 = ys[v / xs.length];
            int x0 = xs[v % xs.length];
            for (int y = y0; y < y0 + window; y++) {
                for (int x = x0; x < x0 + window; x++) {
                    sum[y * w + x] += drop;
                    count[y * w + x]++;
                }
            }
        }
        float[] map = new float[h * w];
        for (int p = 0; p < map.length; p++) {
            map[p] = count[p] > 0 ? (float) (sum[p] / count[p]) : 0f;
        }
        return new Heatmap(image, cls, score, h, w, map, true, Map.of("windows", (double) occludedLogits.length));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("window", window, "stride", stride, "baseline", baseline);
    }
}
