package dev.heed.toolkit.method;

import dev.heed.toolkit.api.Target;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The (image, class) pairs a request asks for, grouped into rounds: round j holds the j-th class of every image that
 * has one, so one batched backward pass serves a whole round.
 */
public final class TargetPlan {
    /** One batched backward pass: rows of the request, the class explained for each, and its logit. */
    public record Round(int[] rows, int[] classes, float[] scores) {
    }

    private final List<Round> rounds;

    private TargetPlan(List<Round> rounds) {
        this.rounds = List.copyOf(rounds);
    }

    public static TargetPlan of(INDArray logits, Target target) {
        int n = (int) logits.size(0);
        int[][] perImage = new int[n][];
        float[][] rowLogits = new float[n][];
        int maxRounds = 0;
        for (int i = 0; i < n; i++) {
            rowLogits[i] = logits.getRow(i).toFloatVector();
            perImage[i] = target.resolve(rowLogits[i]);
            maxRounds = Math.max(maxRounds, perImage[i].length);
        }
        List<Round> rounds = new ArrayList<>();
        for (int j = 0; j < maxRounds; j++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (j < perImage[i].length) {
                    rows.add(i);
                }
            }
            int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
            int[] classes = new int[r.length];
            float[] scores = new float[r.length];
            for (int k = 0; k < r.length; k++) {
                classes[k] = perImage[r[k]][j];
                scores[k] = rowLogits[r[k]][classes[k]];
            }
            rounds.add(new Round(r, classes, scores));
        }
        return new TargetPlan(rounds);
    }

    public List<Round> rounds() {
        return rounds;
    }

    /** Score weights that select one logit per row: {@code [rows][numClasses]} one-hot. */
    public static INDArray oneHot(int[] classes, int numClasses) {
        INDArray w = Nd4j.zeros(classes.length, numClasses);
        for (int i = 0; i < classes.length; i++) {
            w.putScalar(i, classes[i], 1.0);
        }
        return w;
    }

    /** All values of an array in row-major order, as floats, whatever its rank or view. */
    public static float[] flat(INDArray array) {
        return array.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').reshape(array.length()).toFloatVector();
    }

    /** The given rows of an NCHW batch (the batch itself when all rows are asked for in order). */
    public static INDArray rowsOf(INDArray batch, int[] rows) {
        boolean identity = rows.length == batch.size(0);
        for (int i = 0; identity && i < rows.length; i++) {
            identity = rows[i] == i;
        }
        if (identity) {
            return batch;
        }
        INDArray[] parts = new INDArray[rows.length];
        for (int i = 0; i < rows.length; i++) {
            parts[i] = batch.get(NDArrayIndex.interval(rows[i], rows[i] + 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        }
        return Nd4j.concat(0, parts);
    }
}
