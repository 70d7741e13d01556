package dev.heed.toolkit.engine.adapter;

import dev.heed.toolkit.backend.ArrayScope;
import dev.heed.toolkit.backend.ResidentArray;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.dl4j.PlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelCard;
import dev.heed.toolkit.model.ModelPass;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link ModelAdapter} that runs a compiled plan: what {@code Dl4jModel} does with DL4J, on any {@link PlanExecutor}.
 * Arrays cross as float32. It owns the compiled plan and closes it; its {@link #guided()} twin shares that plan and
 * differs only in the rule its backward passes use at ReLUs.
 */
public final class PlanModel implements ModelAdapter {
    private final CompiledPlan compiled;
    private final ModelCard card;
    private final String fingerprint;
    private final ReluGradient relu;
    private final PlanModel guided;

    private PlanModel(CompiledPlan compiled, ModelCard card, String fingerprint, ReluGradient relu) {
        this.compiled = compiled;
        this.card = card;
        this.fingerprint = fingerprint;
        this.relu = relu;
        this.guided = relu == ReluGradient.GUIDED ? this : new PlanModel(compiled, card, fingerprint, ReluGradient.GUIDED);
    }

    /** Takes ownership of {@code compiled}, whose input must have the card's shape. */
    public static PlanModel of(CompiledPlan compiled, ModelCard card, String fingerprint) {
        int[] planInput = compiled.plan().input().shape();
        if (!Arrays.equals(planInput, card.shape())) {
            compiled.close();
            throw new IllegalArgumentException("the plan's input " + Arrays.toString(planInput) + " does not match the card's "
                    + Arrays.toString(card.shape()));
        }
        return new PlanModel(compiled, card, fingerprint, ReluGradient.STANDARD);
    }

    /**
     * Compiles a DL4J network for the card's input shape and prepares it on {@code executor}. The network is not
     * modified. Throws {@link dev.heed.toolkit.engine.plan.UnsupportedLayerException} naming the first layer the plan
     * cannot express.
     */
    public static PlanModel of(Model network, ModelCard card, String fingerprint, PlanExecutor executor) {
        return of(executor.compile(PlanCompiler.compile(network, card.shape())), card, fingerprint);
    }

    public ModelCard card() {
        return card;
    }

    public Plan plan() {
        return compiled.plan();
    }

    @Override
    public int[] inputShape() {
        return card.shape();
    }

    @Override
    public int numClasses() {
        return compiled.plan().numClasses();
    }

    @Override
    public List<String> spatialLayers() {
        return compiled.plan().spatialCaptures();
    }

    @Override
    public INDArray logits(INDArray inputs) {
        return array(compiled.logits(host(inputs)));
    }

    @Override
    public ModelPass forward(INDArray inputs, String captureLayer) {
        if (captureLayer != null) {
            requireSpatialLayer(captureLayer);
        }
        return pass(compiled.forward(host(inputs), captureLayer));
    }

    /** The pass reads the inputs where they live: on the device, for the CUDA engine and a scope on its GPU. */
    @Override
    public ModelPass forward(ResidentArray inputs, String captureLayer) {
        if (captureLayer != null) {
            requireSpatialLayer(captureLayer);
        }
        requireImageShape(inputs.shape());
        return pass(compiled.forward(inputs, captureLayer));
    }

    private ModelPass pass(PlanPass pass) {
        return new ModelPass() {
            @Override
            public INDArray logits() {
                return array(pass.logits());
            }

            @Override
            public INDArray captured() {
                HostTensor t = pass.captured();
                return t == null ? null : array(t);
            }

            @Override
            public INDArray backward(INDArray scoreWeights) {
                return array(pass.backward(host(scoreWeights), relu));
            }

            @Override
            public ResidentArray captured(ArrayScope scope) {
                return pass.captured(scope);
            }

            @Override
            public ResidentArray backward(INDArray scoreWeights, ArrayScope scope) {
                return pass.backward(host(scoreWeights), relu, scope);
            }

            @Override
            public void close() {
                pass.close();
            }
        };
    }

    /** A batch of images {@code [n, c, h, w]} against the card's {@code [c, h, w]}. */
    private void requireImageShape(int[] shape) {
        int[] expected = card.shape();
        if (shape.length != 4 || shape[1] != expected[0] || shape[2] != expected[1] || shape[3] != expected[2]) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " does not match the model's [n, "
                    + expected[0] + ", " + expected[1] + ", " + expected[2] + "]");
        }
    }

    private HostTensor host(INDArray a) {
        int[] shape = Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray();
        if (a.rank() == 4) {
            requireImageShape(shape);
        }
        // dup: a fresh row-major copy whatever the caller's order or view, so the caller's array is never shared.
        return new HostTensor(shape, a.castTo(DataType.FLOAT).dup('c').reshape('c', new long[] {a.length()}).toFloatVector());
    }

    private static INDArray array(HostTensor t) {
        return Nd4j.create(t.data(), Arrays.stream(t.shape()).asLongStream().toArray(), 'c');
    }

    @Override
    public int preferredPassRows() {
        return compiled.preferredPassRows();
    }

    @Override
    public ModelAdapter guided() {
        return guided;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String describe() {
        Plan plan = compiled.plan();
        return "plan on " + compiled.executor() + ", " + plan.ops().size() + " ops, " + plan.parameterCount() + " parameters, input "
                + Arrays.toString(card.shape()) + ", " + numClasses() + " classes";
    }

    /** Frees the compiled plan (the guided twin's close does the same: they share it). */
    @Override
    public void close() {
        compiled.close();
    }
}
