package dev.heed.toolkit.engine;

import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.ModelAdapter;
import dev.heed.toolkit.model.ModelPass;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A compiled plan seen as a {@link ModelAdapter}, so that every saliency method runs its model passes on whichever
 * executor compiled the plan (Heed's CUDA kernels, the plain-Java reference) without knowing it. The passes' inputs and
 * results cross as host arrays; the activations and gradients in between stay with the executor.
 *
 * <p>The adapter owns the compiled plan and closes it; its {@link #guided()} twin shares the plan and owns nothing.
 */
public final class PlanModel implements ModelAdapter {
    private final CompiledPlan compiled;
    private final ReluGradient relu;
    private final String fingerprint;
    private final String description;
    private final boolean owner;
    private PlanModel guidedTwin;

    /** Adopts {@code compiled}: closing this adapter closes it. {@code fingerprint} identifies the source model's weights. */
    public PlanModel(CompiledPlan compiled, String fingerprint, String sourceDescription) {
        this(compiled, ReluGradient.STANDARD, fingerprint, sourceDescription, true);
    }

    private PlanModel(CompiledPlan compiled, ReluGradient relu, String fingerprint, String sourceDescription, boolean owner) {
        this.compiled = compiled;
        this.relu = relu;
        this.fingerprint = fingerprint;
        this.description = sourceDescription;
        this.owner = owner;
    }

    /** The executor that runs the passes, for provenance: {@code cuda}, {@code cpu-reference}. */
    public String executor() {
        return compiled.executor();
    }

    @Override
    public int[] inputShape() {
        return compiled.plan().input().shape();
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
        PlanPass pass = compiled.forward(host(inputs), captureLayer);
        return new ModelPass() {
            @Override
            public INDArray logits() {
                return array(pass.logits());
            }

            @Override
            public INDArray captured() {
                HostTensor c = pass.captured();
                return c == null ? null : array(c);
            }

            @Override
            public INDArray backward(INDArray scoreWeights) {
                return array(pass.backward(host(scoreWeights), relu));
            }

            @Override
            public void close() {
                pass.close();
            }
        };
    }

    @Override
    public synchronized ModelAdapter guided() {
        if (relu == ReluGradient.GUIDED) {
            return this;
        }
        if (guidedTwin == null) {
            guidedTwin = new PlanModel(compiled, ReluGradient.GUIDED, fingerprint, description, false);
        }
        return guidedTwin;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String describe() {
        Plan plan = compiled.plan();
        return description + "; model pass: Heed's engine (" + compiled.executor() + "), " + plan.ops().size() + " ops";
    }

    @Override
    public void close() {
        if (owner) {
            compiled.close();
        }
    }

    /** Float32, row-major, whatever the caller's array type and order; never a view of the caller's data. */
    static HostTensor host(INDArray a) {
        int[] shape = Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray();
        INDArray flat = a.castTo(DataType.FLOAT).dup('c');
        // reshape's (char, long...) overload needs an explicit array: ('c', n) would widen 'c' to the dimension 99
        return new HostTensor(shape, flat.reshape('c', new long[] {flat.length()}).toFloatVector());
    }

    static INDArray array(HostTensor t) {
        return Nd4j.create(t.data(), Arrays.stream(t.shape()).asLongStream().toArray(), 'c');
    }
}
