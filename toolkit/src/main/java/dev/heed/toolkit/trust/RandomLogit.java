package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.method.TargetPlan;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The random-logit test (Sixt, Granz, Landgraf 2020, "When Explanations Lie"): explain the predicted class and a
 * randomly drawn other class of the same image. A method whose two maps are nearly the same does not explain the
 * class at all.
 */
public final class RandomLogit {

    /** Medians over the images of the similarity between the predicted class's map and a random other class's map. */
    public record Result(double spearmanOfMagnitudes, double ssim, int images) {
    }

    private RandomLogit() {
    }

    public static Result run(SaliencyMethod method, ExplainRequest request, int numClasses, long seed) {
        return run(method, request, method.explain(new ExplainRequest(request.inputs(), Target.top1(), request.imageSeeds())), numClasses, seed);
    }

    /** As above, with the predicted classes' maps for {@code request} already at hand (they are not recomputed). */
    public static Result run(SaliencyMethod method, ExplainRequest request, List<Heatmap> predicted, int numClasses, long seed) {
        double[] rho = new double[predicted.size()];
        double[] ssim = new double[predicted.size()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < predicted.size(); k++) {
            Heatmap top = predicted.get(k);
            int other = random.nextInt(numClasses - 1);
            if (other >= top.classIndex()) {
                other++;
            }
            int row = top.imageIndex();
            Heatmap random1 = method.explain(new ExplainRequest(TargetPlan.rowsOf(request.inputs(), new int[] {row}),
                    new Target.ClassIndex(other), new long[] {request.imageSeed(row)})).get(0);
            rho[k] = MapSimilarity.spearmanOfMagnitudes(top.values(), random1.values());
            ssim[k] = MapSimilarity.ssim(top.values(), random1.values(), top.width(), top.height());
        }
        return new Result(Randomisation.median(rho), Randomisation.median(ssim), predicted.size());
    }
}
