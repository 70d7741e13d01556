package dev.heed.toolkit.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.convolution.Convolution;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runs a DL4J {@link MultiLayerNetwork} or single-input, single-output {@link ComputationGraph} node by node so that
 * saliency methods get inference-mode gradients of the logits, stopping at the layer they need.
 *
 * <p>Why not DL4J's own backprop: it runs the forward pass in training mode (dropout on, BatchNorm on batch
 * statistics) and always continues to the input. Here a private twin of the network has dropout and weight noise
 * removed, the forward pass runs with {@code training=false}, BatchNorm is back-propagated through its inference-time
 * affine map (computed here, since DL4J's BatchNorm backprop assumes batch statistics), the output layer contributes
 * its pre-activation (the logit) and its input gradient {@code eps W^T}, dense and convolution layers are
 * back-propagated here without weight gradients, and the backward walk stops at the requested layer.
 */
public final class Dl4jModel implements ModelAdapter {
    private static final int NETWORK_INPUT = -1;
    /**
     * One workspace holds everything a pass allocates, and is reused by the next pass: without it every pass
     * allocates and frees off-heap arrays, which on two cores made passes slow down two- to three-fold as they
     * repeated (GradientPassBenchmark). Its size is learnt on the first pass and grows when a larger batch comes.
     */
    private static final WorkspaceConfiguration PASS_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.STRICT)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    /**
     * One step of the network in topological order; {@code inputs} index earlier nodes or the network input.
     * {@code activation} is set for dense and convolution layers whose activation this class applies itself, so that
     * their backward pass needs no weight gradient.
     */
    private record Node(String name, int[] inputs, Layer layer, InputPreProcessor preProcessor, GraphVertex vertex,
                        IActivation activation) {
        boolean isBatchNorm() {
            return layer != null && layer.conf().getLayer() instanceof BatchNormalization;
        }

        boolean isActivation() {
            return layer != null && layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer;
        }
    }

    private final Model source;
    private final Model twin;
    private final List<Node> nodes;
    private final ModelCard card;
    private final String fingerprint;
    private final boolean guided;
    private final List<String> spatialLayers;
    private final DataType dataType;
    private final ReentrantLock passLock = new ReentrantLock();
    private Dl4jModel guidedTwin;
    private final String workspaceId = "heed-pass-" + java.util.UUID.randomUUID();
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.builder().defaultWorkspace(workspaceId, PASS_WORKSPACE).build();

    private Dl4jModel(Model source, ModelCard card, String fingerprint, boolean guided) {
        this.card = card;
        this.fingerprint = fingerprint;
        this.guided = guided;
        this.source = source;
        this.twin = inferenceTwin(source, guided);
        this.nodes = twin instanceof MultiLayerNetwork mln ? chainOf(mln) : graphOf((ComputationGraph) twin);
        this.dataType = twin.params().dataType();
        checkOutputNode();
        this.spatialLayers = probeSpatialLayers();
    }

    /** Wraps a network without modifying it: all work happens on a private inference-mode copy. */
    public static Dl4jModel of(Model network, ModelCard card, String fingerprint) {
        if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
            throw new IllegalArgumentException("unsupported model type " + network.getClass().getSimpleName());
        }
        return new Dl4jModel(network, card, fingerprint, false);
    }

    public ModelCard card() {
        return card;
    }

    private static Model inferenceTwin(Model source, boolean guided) {
        Model copy = source instanceof MultiLayerNetwork mln ? mln.clone() : ((ComputationGraph) source).clone();
        Layer[] layers = copy instanceof MultiLayerNetwork mln ? mln.getLayers() : ((ComputationGraph) copy).getLayers();
        for (Layer layer : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = Dl4jModels.innerLayer(layer).conf().getLayer();
            conf.setIDropout(null);
            if (conf instanceof BaseLayer base) {
                base.setWeightNoise(null);
                if (guided && base.getActivationFn() instanceof ActivationReLU) {
                    base.setActivationFn(new GuidedRelu());
                }
            }
            if (guided && conf instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer activation
                    && activation.getActivationFn() instanceof ActivationReLU) {
                activation.setActivationFn(new GuidedRelu());
            }
        }
        // DL4J's layer backprop writes weight gradients into views of one flat buffer, created lazily by fit().
        if (copy instanceof MultiLayerNetwork mln) {
            mln.initGradientsView();
        } else {
            ((ComputationGraph) copy).initGradientsView();
        }
        return copy;
    }

    private static List<Node> chainOf(MultiLayerNetwork network) {
        List<Node> chain = new ArrayList<>();
        Layer[] layers = network.getLayers();
        for (int i = 0; i < layers.length; i++) {
            String name = layers[i].conf().getLayer().getLayerName();
            Layer layer = Dl4jModels.innerLayer(layers[i]);
            chain.add(new Node(name != null ? name : String.valueOf(i), new int[] {i - 1}, layer,
                    network.getLayerWiseConfigurations().getInputPreProcess(i), null, splitActivation(layer, i == layers.length - 1)));
        }
        return chain;
    }

    private static List<Node> graphOf(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getConfiguration().getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("only graphs with one input and one output are supported; this one has "
                    + graph.getNumInputArrays() + " inputs and " + graph.getConfiguration().getNetworkOutputs().size() + " outputs");
        }
        GraphVertex[] vertices = graph.getVertices();
        String outputName = graph.getConfiguration().getNetworkOutputs().get(0);
        // Only the output's ancestors matter; a dead-end branch must neither run nor pass for the output.
        java.util.Set<Integer> needed = new java.util.HashSet<>();
        java.util.ArrayDeque<Integer> pending = new java.util.ArrayDeque<>();
        pending.add(graph.getVertex(outputName).getVertexIndex());
        while (!pending.isEmpty()) {
            int v = pending.pop();
            if (needed.add(v) && vertices[v].getInputVertices() != null) {
                for (VertexIndices in : vertices[v].getInputVertices()) {
                    pending.add(in.getVertexIndex());
                }
            }
        }
        Map<Integer, Integer> position = new HashMap<>();
        List<Node> result = new ArrayList<>();
        for (int vertexIndex : graph.topologicalSortOrder()) {
            GraphVertex vertex = vertices[vertexIndex];
            if (!needed.contains(vertexIndex)) {
                continue;
            }
            if (vertex.isInputVertex()) {
                position.put(vertexIndex, NETWORK_INPUT);
                continue;
            }
            int[] inputs = Arrays.stream(vertex.getInputVertices()).mapToInt(v -> position.get(v.getVertexIndex())).toArray();
            position.put(vertexIndex, result.size());
            if (vertex.hasLayer()) {
                // A layer vertex runs like a layer of a MultiLayerNetwork: its preprocessor, then its layer.
                Layer layer = Dl4jModels.innerLayer(vertex.getLayer());
                InputPreProcessor pre = vertex instanceof LayerVertex lv ? lv.getLayerPreProcessor() : null;
                result.add(new Node(vertex.getVertexName(), inputs, layer, pre, null,
                        splitActivation(layer, vertex.getVertexName().equals(outputName))));
            } else {
                result.add(new Node(vertex.getVertexName(), inputs, null, null, vertex, null));
            }
        }
        return result;
    }


    /**
     * For a dense or 2-D convolution layer of the twin: takes its activation out of the layer, which from then on
     * computes only its pre-activation, and returns it for the pass to apply. Null for every other layer.
     */
    private static IActivation splitActivation(Layer layer, boolean isOutput) {
        if (isOutput || !hasLocalInputGradient(layer)) {
            return null;
        }
        BaseLayer conf = (BaseLayer) layer.conf().getLayer();
        IActivation activation = conf.getActivationFn();
        conf.setActivationFn(new ActivationIdentity());
        return activation;
    }

    /** Layers whose input gradient is computed here, without DL4J's backprop and so without weight gradients. */
    private static boolean hasLocalInputGradient(Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        if (conf.getClass() == DenseLayer.class) {
            return !((DenseLayer) conf).hasLayerNorm();
        }
        return conf.getClass() == ConvolutionLayer.class
                && ((ConvolutionLayer) conf).getCnn2dDataFormat() == CNN2DFormat.NCHW;
    }

    private Node outputNode() {
        return nodes.get(nodes.size() - 1);
    }

    private void checkOutputNode() {
        Node out = outputNode();
        if (out.layer() == null || out.layer().getParam("W") == null) {
            throw new IllegalArgumentException("the last layer ('" + out.name() + "') must be a dense output layer with weights W, "
                    + "so that its pre-activation can serve as the class score");
        }
    }

    private List<String> probeSpatialLayers() {
        int[] s = card.shape();
        try (Pass pass = new Pass(Nd4j.zeros(dataType, 1, s[0], s[1], s[2]), NETWORK_INPUT)) {
            INDArray logits = pass.logits();
            if (logits.size(1) != card.classNames().size() && !card.classNames().isEmpty()) {
                throw new IllegalArgumentException("the model has " + logits.size(1) + " classes but its card names " + card.classNames().size());
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < nodes.size() - 1; i++) {
                INDArray out = pass.outputs[i];
                if (out.rank() == 4 && out.size(2) * out.size(3) > 1) {
                    names.add(nodes.get(i).name());
                }
            }
            return List.copyOf(names);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("the model does not accept inputs of shape " + Arrays.toString(s) + ": " + e.getMessage(), e);
        }
    }

    /** The twin's flat weight-gradient buffer, for tests: it stays zero where no layer ran DL4J's backprop. */
    INDArray weightGradientBuffer() {
        return twin instanceof MultiLayerNetwork mln ? mln.getGradientsViewArray() : ((ComputationGraph) twin).getGradientsViewArray();
    }

    @Override
    public int[] inputShape() {
        return card.shape();
    }

    @Override
    public int numClasses() {
        return (int) outputNode().layer().getParam("W").size(1);
    }

    @Override
    public List<String> spatialLayers() {
        return spatialLayers;
    }

    @Override
    public INDArray logits(INDArray inputs) {
        try (ModelPass pass = forward(inputs, null)) {
            return pass.logits();
        }
    }

    @Override
    public ModelPass forward(INDArray inputs, String captureLayer) {
        checkInput(inputs);
        int stop = NETWORK_INPUT;
        if (captureLayer != null) {
            requireSpatialLayer(captureLayer);
            stop = indexOf(captureLayer);
        }
        return new Pass(inputs, stop);
    }

    private int indexOf(String name) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown layer '" + name + "'");
    }

    private void checkInput(INDArray inputs) {
        long[] shape = inputs.shape();
        int[] expected = card.shape();
        if (inputs.rank() != 4 || shape[1] != expected[0] || shape[2] != expected[1] || shape[3] != expected[2]) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " does not match the model's [n, "
                    + expected[0] + ", " + expected[1] + ", " + expected[2] + "]");
        }
    }

    @Override
    public synchronized ModelAdapter guided() {
        if (guided) {
            return this;
        }
        if (guidedTwin == null) {
            guidedTwin = new Dl4jModel(source, card, fingerprint, true);
        }
        return guidedTwin;
    }

    /**
     * Releases the pass workspace this thread holds (workspaces are per thread; each thread that ran passes should
     * close, or let the JVM end) and the guided twin's.
     */
    @Override
    public synchronized void close() {
        if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(workspaceId)) {
            Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(workspaceId));
        }
        if (guidedTwin != null) {
            guidedTwin.close();
        }
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String describe() {
        String kind = twin instanceof MultiLayerNetwork ? "MultiLayerNetwork" : "ComputationGraph";
        return kind + ", " + nodes.size() + " layers, " + twin.numParams() + " parameters, input " + Arrays.toString(card.shape())
                + ", " + numClasses() + " classes";
    }

    /** A forward pass holding the twin's layer state (and the pass lock) until closed. */
    private final class Pass implements ModelPass {
        private final INDArray[] outputs = new INDArray[nodes.size()];
        private final INDArray[] preActivations = new INDArray[nodes.size()];
        private final MemoryWorkspace workspace;
        private final int stop;
        private final int batch;
        private INDArray networkInput;
        private boolean open = true;

        Pass(INDArray inputs, int stop) {
            if (passLock.isHeldByCurrentThread()) {
                // A second pass would overwrite the layer state the first one still needs for its backward.
                throw new IllegalStateException("a pass of this model is already open on this thread; close it first");
            }
            passLock.lock();
            workspace = Nd4j.getWorkspaceManager().getAndActivateWorkspace(PASS_WORKSPACE, workspaceId);
            try {
                this.stop = stop;
                this.batch = (int) inputs.size(0);
                // dup: DL4J layers may keep or modify their input arrays; the caller's stays untouched.
                networkInput = inputs.castTo(dataType).dup();
                for (int i = 0; i < nodes.size(); i++) {
                    INDArray out = forwardNode(i, networkInput);
                    IActivation activation = nodes.get(i).activation();
                    if (activation != null) {
                        preActivations[i] = out;
                        out = activation.getActivation(out.dup(), false);
                    }
                    outputs[i] = out;
                }
            } catch (RuntimeException e) {
                workspace.close();
                passLock.unlock();
                throw e;
            }
        }

        private INDArray input(int nodeIndex, int k, INDArray networkInput) {
            int source = nodes.get(nodeIndex).inputs()[k];
            return source == NETWORK_INPUT ? networkInput : outputs[source];
        }

        private INDArray forwardNode(int i, INDArray networkInput) {
            Node node = nodes.get(i);
            if (i == nodes.size() - 1) {
                INDArray x = input(i, 0, networkInput);
                if (node.preProcessor() != null) {
                    x = node.preProcessor().preProcess(x, batch, workspaces);
                }
                INDArray z = x.mmul(node.layer().getParam("W"));
                INDArray bias = node.layer().getParam("b");
                return bias != null ? z.addiRowVector(bias) : z;
            }
            if (node.vertex() != null) {
                // setInput, not setInputs: only the former hands a layer vertex's input to its layer.
                for (int k = 0; k < node.inputs().length; k++) {
                    node.vertex().setInput(k, privateInput(node, input(i, k, networkInput)), workspaces);
                }
                return node.vertex().doForward(false, workspaces);
            }
            INDArray x = input(i, 0, networkInput);
            if (node.preProcessor() != null) {
                x = node.preProcessor().preProcess(x, batch, workspaces);
            }
            node.layer().setInputMiniBatchSize(batch);
            return node.layer().activate(privateInput(node, x), false, workspaces);
        }

        /**
         * Parameter-free layers (DL4J's ActivationLayer, for one) apply their function in place in inference mode,
         * which would overwrite both the previous layer's output and the input their own backprop needs.
         */
        private INDArray privateInput(Node node, INDArray x) {
            return node.layer() != null && node.layer().numParams() == 0 ? x.dup() : x;
        }

        @Override
        public INDArray logits() {
            requireOpen();
            return detachedCopy(outputs[nodes.size() - 1]);
        }

        @Override
        public INDArray captured() {
            requireOpen();
            return stop >= 0 ? detachedCopy(outputs[stop]) : null;
        }

        @Override
        public INDArray backward(INDArray scoreWeights) {
            requireOpen();
            INDArray weights = scoreWeights.castTo(dataType);
            INDArray[] gradients = new INDArray[nodes.size()];
            INDArray inputGradient = null;
            gradients[nodes.size() - 1] = weights;
            for (int i = nodes.size() - 1; i > stop; i--) {
                if (gradients[i] == null) {
                    continue;
                }
                INDArray[] towardInputs = backwardNode(i, gradients[i]);
                int[] inputs = nodes.get(i).inputs();
                for (int k = 0; k < inputs.length; k++) {
                    if (inputs[k] == NETWORK_INPUT) {
                        inputGradient = inputGradient == null ? towardInputs[k] : inputGradient.add(towardInputs[k]);
                    } else if (inputs[k] >= stop) {
                        int j = inputs[k];
                        gradients[j] = gradients[j] == null ? towardInputs[k] : gradients[j].add(towardInputs[k]);
                    }
                }
            }
            INDArray result = stop >= 0 ? gradients[stop] : inputGradient;
            if (result == null) {
                throw new IllegalStateException("no gradient reached " + (stop >= 0 ? nodes.get(stop).name() : "the input"));
            }
            return detachedCopy(result);
        }

        private INDArray[] backwardNode(int i, INDArray epsilon) {
            Node node = nodes.get(i);
            if (i == nodes.size() - 1) {
                INDArray toInput = epsilon.mmul(node.layer().getParam("W").transpose());
                return new INDArray[] {undoPreProcessor(node, toInput)};
            }
            if (node.isBatchNorm()) {
                return new INDArray[] {undoPreProcessor(node, batchNormBackward(node.layer(), epsilon))};
            }
            if (node.activation() != null) {
                INDArray towardZ = node.activation().backprop(preActivations[i].dup(), epsilon.dup()).getFirst();
                return new INDArray[] {undoPreProcessor(node, localInputGradient(node.layer(), towardZ))};
            }
            if (node.isActivation()) {
                // DL4J's ActivationLayer overwrites its stored input with its output in inference mode, so its own
                // backprop would take the derivative at the wrong point; use the input kept here instead.
                INDArray x = input(i, 0, networkInput);
                if (node.preProcessor() != null) {
                    x = node.preProcessor().preProcess(x, batch, workspaces);
                }
                IActivation fn = ((org.deeplearning4j.nn.conf.layers.ActivationLayer) node.layer().conf().getLayer()).getActivationFn();
                return new INDArray[] {undoPreProcessor(node, fn.backprop(x.dup(), epsilon.dup()).getFirst())};
            }
            if (node.vertex() != null) {
                node.vertex().setEpsilon(epsilon);
                return node.vertex().doBackward(false, workspaces).getSecond();
            }
            INDArray toInput = node.layer().backpropGradient(epsilon, workspaces).getSecond();
            return new INDArray[] {undoPreProcessor(node, toInput)};
        }

        private INDArray undoPreProcessor(Node node, INDArray epsilon) {
            return node.preProcessor() != null ? node.preProcessor().backprop(epsilon, batch, workspaces) : epsilon;
        }

        /** What a pass hands out must outlive it: a copy outside the pass's workspace. */
        private INDArray detachedCopy(INDArray array) {
            try (MemoryWorkspace outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return array.isAttached() ? array.detach() : array.dup();
            }
        }

        private void requireOpen() {
            if (!open) {
                throw new IllegalStateException("the pass is closed");
            }
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                workspace.close();
                passLock.unlock();
            }
        }
    }

    /** The input gradient of a dense or 2-D convolution layer from the gradient at its pre-activation. */
    private static INDArray localInputGradient(Layer layer, INDArray towardZ) {
        INDArray weights = layer.getParam("W");
        if (layer.conf().getLayer() instanceof DenseLayer) {
            return towardZ.mmul(weights.transpose());
        }
        return convolutionInputGradient((ConvolutionLayer) layer.conf().getLayer(), weights,
                ((org.deeplearning4j.nn.layers.AbstractLayer<?>) layer).input().shape(), towardZ);
    }

    /**
     * The transpose of a 2-D convolution: {@code col[n][c][kh][kw][oh][ow] = sum_o W[o][c][kh][kw] eps[n][o][oh][ow]},
     * then col2im scatters the columns back onto the input grid, with the same padding the forward pass used.
     */
    static INDArray convolutionInputGradient(ConvolutionLayer conf, INDArray weights, long[] inputShape, INDArray towardZ) {
        long n = towardZ.size(0);
        long outChannels = towardZ.size(1);
        int outH = (int) towardZ.size(2);
        int outW = (int) towardZ.size(3);
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] dilation = conf.getDilation();
        int inH = (int) inputShape[2];
        int inW = (int) inputShape[3];
        long inChannels = inputShape[1];
        int[] padding = conf.getConvolutionMode() == ConvolutionMode.Same
                ? ConvolutionUtils.getSameModeTopLeftPadding(new int[] {outH, outW}, new int[] {inH, inW}, kernel, stride, dilation)
                : conf.getPadding();
        INDArray eps = towardZ.permute(1, 0, 2, 3).dup('c').reshape('c', outChannels, n * outH * outW);
        INDArray w = weights.reshape('c', outChannels, inChannels * kernel[0] * kernel[1]);
        INDArray columns = w.transpose().mmul(eps)
                .reshape('c', inChannels, kernel[0], kernel[1], n, outH, outW)
                .permute(3, 0, 1, 2, 4, 5).dup('c');
        INDArray result = Nd4j.create(towardZ.dataType(), n, inChannels, inH, inW);
        Convolution.col2im(columns, result, stride[0], stride[1], padding[0], padding[1], inH, inW, dilation[0], dilation[1]);
        return result;
    }

    /**
     * Inference-mode BatchNorm is {@code gamma (x - mean) / sqrt(var + eps) + beta}, so its input gradient is
     * {@code eps gamma / sqrt(var + eps)}. DL4J M2.1's BatchNormalization does not apply the activation its
     * configuration names (checked against finite differences in the tests), so neither does this.
     */
    private static INDArray batchNormBackward(Layer layer, INDArray epsilon) {
        BatchNormalization conf = (BatchNormalization) layer.conf().getLayer();
        // With useLogStd DL4J stores log10 of the standard deviation, otherwise the variance; either way its
        // inference pass divides by sqrt(var + eps).
        INDArray variance = conf.isUseLogStd()
                ? Transforms.exp(layer.getParam("log10stdev").mul(2 * Math.log(10.0)), false)
                : layer.getParam("var");
        INDArray std = Transforms.sqrt(variance.add(conf.getEps()), false);
        INDArray gamma = conf.isLockGammaBeta()
                ? Nd4j.valueArrayOf(std.shape(), conf.getGamma(), std.dataType())
                : layer.getParam("gamma");
        INDArray scale = gamma.div(std).reshape(-1);
        int channelAxis = epsilon.rank() == 4 && conf.getCnn2DFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC ? 3 : 1;
        return Broadcast.mul(epsilon, scale, epsilon.ulike(), channelAxis);
    }
}
