package dev.heed.toolkit.engine.adapter;

import dev.heed.toolkit.attention.VisionTransformer;
import dev.heed.toolkit.attention.VitModel;
import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.dl4j.EncoderPlanCompiler;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.model.ModelCard;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link VisionTransformer}'s explanation passes on the engine: its weights compiled once into a plan
 * ({@link EncoderPlanCompiler#vit}) and run on any executor that takes transformer plans, returning the same
 * {@link VisionTransformer.Capture} and gate relevance as the SameDiff graph, so {@code VitAttention.explain} runs on
 * either unchanged. Owns the compiled plan; close it.
 */
public final class VitPlanModel implements VitModel, AutoCloseable {
    private final ModelCard card;
    private final VisionTransformer.Architecture architecture;
    private final CompiledPlan compiled;
    private final int tokens;

    private VitPlanModel(ModelCard card, VisionTransformer.Architecture architecture, CompiledPlan compiled, int tokens) {
        this.card = card;
        this.architecture = architecture;
        this.compiled = compiled;
        this.tokens = tokens;
    }

    /** Compiles {@code vit}'s current weights for {@code executor}; later training of {@code vit} is not seen. */
    public static VitPlanModel compile(VisionTransformer vit, PlanExecutor executor) {
        return new VitPlanModel(vit.card(), vit.architecture(), executor.compile(plan(vit)), vit.tokens());
    }

    /** The plan of {@code vit}'s current weights. */
    public static Plan plan(VisionTransformer vit) {
        ModelCard card = vit.card();
        VisionTransformer.Architecture a = vit.architecture();
        return new EncoderPlanCompiler(vit.weights(), a.encoder()).vit(card.channels(), card.height(), a.patch(), card.classNames().size());
    }

    /** The executor's name, for provenance. */
    public String executor() {
        return compiled.executor();
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public VisionTransformer.Architecture architecture() {
        return architecture;
    }

    @Override
    public int tokens() {
        return tokens;
    }

    @Override
    public VisionTransformer.Capture capture(INDArray images) {
        int layers = architecture.encoder().layers();
        List<String> names = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            names.addAll(List.of(EncoderPlanCompiler.query(l), EncoderPlanCompiler.key(l), EncoderPlanCompiler.probabilities(l)));
        }
        try (PlanPass pass = compiled.forward(List.of(host(images)), names)) {
            List<INDArray> q = new ArrayList<>();
            List<INDArray> k = new ArrayList<>();
            List<INDArray> p = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                q.add(array(pass.captured(EncoderPlanCompiler.query(l))));
                k.add(array(pass.captured(EncoderPlanCompiler.key(l))));
                p.add(array(pass.captured(EncoderPlanCompiler.probabilities(l))));
            }
            return new VisionTransformer.Capture(array(pass.logits()), q, k, p);
        }
    }

    @Override
    public List<INDArray> attentionRelevance(INDArray images, int[] targets) {
        int n = (int) images.size(0);
        int classes = card.classNames().size();
        float[] oneHot = new float[n * classes];
        for (int i = 0; i < n; i++) {
            oneHot[i * classes + targets[i]] = 1f;
        }
        try (PlanPass pass = compiled.forward(List.of(host(images)), List.of())) {
            Map<String, HostTensor> gates = pass.gateGradients(new HostTensor(new int[] {n, classes}, oneHot));
            List<INDArray> out = new ArrayList<>();
            for (int l = 0; l < architecture.encoder().layers(); l++) {
                out.add(array(gates.get(EncoderPlanCompiler.gate(l))));
            }
            return out;
        }
    }

    static HostTensor host(INDArray a) {
        int[] shape = new int[a.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) a.size(i);
        }
        return new HostTensor(shape, a.castTo(DataType.FLOAT).dup('c').data().asFloat());
    }

    static INDArray array(HostTensor t) {
        long[] shape = new long[t.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape()[i];
        }
        return Nd4j.create(t.data(), shape, 'c');
    }

    @Override
    public void close() {
        compiled.close();
    }
}
