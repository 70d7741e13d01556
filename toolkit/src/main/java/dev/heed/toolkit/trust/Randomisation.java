package dev.heed.toolkit.trust;

import dev.heed.toolkit.api.ExplainRequest;
import dev.heed.toolkit.api.Heatmap;
import dev.heed.toolkit.api.SaliencyMethod;
import dev.heed.toolkit.api.Target;
import dev.heed.toolkit.method.TargetPlan;
import dev.heed.toolkit.model.Dl4jModel;
import dev.heed.toolkit.model.Dl4jRedraw;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.RedrawableModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;

/**
 * The model-parameter randomisation test (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): re-draw the
 * weights of one layer (independent) or of every layer from the output down to it (cascading), explain the same
 * inputs again, and compare the maps with the trained model's. A map that barely changes does not depend on what the
 * model learned. Weights are re-drawn He-normal; biases and BatchNorm statistics stay.
 *
 * <p>Every draw comes from the seed alone: layer {@code j}'s new weights come from a generator of its own, seeded by
 * the {@code j}-th value of a generator seeded with {@code seed}. ND4J's global random generator is not used, because
 * anything else in the process may draw from it (or reseed it) between two runs, and the figures then differ from run
 * to run. Layer {@code j} gets the same weights in every cascading step and in its independent step, so that step
 * {@code k} of the cascade is step {@code k + 1} plus one more re-drawn layer.
 */
public final class Randomisation {

    /**
     * Medians over all maps of the similarity to the trained model's maps after randomising up to {@code layer}, and
     * the randomised maps of the first {@link #EXAMPLES} images, to show.
     */
    public record Step(String layer, double spearman, double spearmanOfMagnitudes, double ssim, double hog, List<Heatmap> examples) {
        public Step {
            examples = List.copyOf(examples);
        }
    }

    /** How many images' randomised maps each step keeps for the report page. */
    public static final int EXAMPLES = 2;

    private Randomisation() {
    }

    /**
     * @param methodFactory builds the method under test on a model (it is called once per step)
     * @param cascading true: randomise every layer from the output down to this one; false: this one alone
     */
    public static List<Step> run(Model network, ModelCard card, Function<ModelAdapter, SaliencyMethod> methodFactory,
                                 ExplainRequest request, boolean cascading, long seed) {
        List<Heatmap> trained;
        try (Dl4jModel model = Dl4jModel.of(network, card, "trained")) {
            trained = methodFactory.apply(model).explain(request);
        }
        return run(network, card, methodFactory, request, trained, cascading, seed);
    }

    /** As above, with the trained model's maps for {@code request} already at hand (they are not recomputed). */
    public static List<Step> run(Model network, ModelCard card, Function<ModelAdapter, SaliencyMethod> methodFactory,
                                 ExplainRequest request, List<Heatmap> trained, boolean cascading, long seed) {
        return run(network, card, (copy, name) -> Dl4jModel.of(copy, card, name), methodFactory, request, trained, cascading, seed);
    }

    /** Makes the model adapter a re-drawn copy is explained through (the DL4J twin, or a plan on Heed's engine). */
    public interface Adapters {
        ModelAdapter adapt(Model network, String name);
    }

    /** As above, with the re-drawn copies explained through {@code adapters}. */
    public static List<Step> run(Model network, ModelCard card, Adapters adapters, Function<ModelAdapter, SaliencyMethod> methodFactory,
                                 ExplainRequest request, List<Heatmap> trained, boolean cascading, long seed) {
        return run(dl4j(network, adapters), card, methodFactory, request, trained, cascading, seed);
    }

    /** A DL4J network's layers, each re-drawn copy explained through {@code adapters}. */
    public static RedrawableModel dl4j(Model network, Adapters adapters) {
        return Dl4jRedraw.of(network, adapters::adapt);
    }

    /**
     * The check on any model that can re-draw its layers: from the output down, each weighted layer (with every layer
     * above it when {@code cascading}) gets fresh weights, and the method's maps of the copy are compared with
     * {@code trained}, class for class.
     */
    public static List<Step> run(RedrawableModel model, ModelCard card, Function<ModelAdapter, SaliencyMethod> methodFactory,
                                 ExplainRequest request, List<Heatmap> trained, boolean cascading, long seed) {
        int layers = model.layerCount();
        long[] layerSeeds = new SplittableRandom(seed).longs(layers).toArray();
        List<Step> steps = new ArrayList<>();
        for (int k = layers - 1; k >= 0; k--) {
            String name = model.weightedLayer(k);
            if (name == null) {
                continue;
            }
            List<Integer> chosen = new ArrayList<>();
            for (int j = cascading ? layers - 1 : k; j >= k; j--) {
                if (model.weightedLayer(j) != null) {
                    chosen.add(j);
                }
            }
            int[] chosenLayers = chosen.stream().mapToInt(Integer::intValue).toArray();
            long[] seeds = chosen.stream().mapToLong(j -> layerSeeds[j]).toArray();
            List<Heatmap> randomised = new ArrayList<>();
            try (ModelAdapter copy = model.redrawn(chosenLayers, seeds, "randomised-" + k)) {
                SaliencyMethod method = methodFactory.apply(copy);
                // The same class as the trained map, whatever the randomised model now prefers.
                for (Heatmap map : trained) {
                    int row = map.imageIndex();
                    ExplainRequest one = new ExplainRequest(TargetPlan.rowsOf(request.inputs(), new int[] {row}),
                            new Target.ClassIndex(map.classIndex()), new long[] {request.imageSeed(row)});
                    randomised.add(method.explain(one).get(0));
                }
            }
            steps.add(compare(name, trained, randomised, card));
        }
        return steps;
    }

    private static Step compare(String layer, List<Heatmap> trained, List<Heatmap> randomised, ModelCard card) {
        int n = Math.min(trained.size(), randomised.size());
        double[] rho = new double[n];
        double[] rhoAbs = new double[n];
        double[] ssim = new double[n];
        double[] hog = new double[n];
        for (int i = 0; i < n; i++) {
            float[] a = trained.get(i).values();
            float[] b = randomised.get(i).values();
            rho[i] = MapSimilarity.spearman(a, b);
            rhoAbs[i] = MapSimilarity.spearmanOfMagnitudes(a, b);
            ssim[i] = MapSimilarity.ssim(a, b, trained.get(i).width(), trained.get(i).height());
            hog[i] = MapSimilarity.hog(a, b, trained.get(i).width(), trained.get(i).height());
        }
        return new Step(layer, median(rho), median(rhoAbs), median(ssim), median(hog), randomised.subList(0, Math.min(EXAMPLES, n)));
    }

    /** Median of the finite values (a constant map has no rank correlation), NaN when there are none. */
    static double median(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int m = finite.length / 2;
        return finite.length % 2 == 1 ? finite[m] : (finite[m - 1] + finite[m]) / 2;
    }
}
