package dev.heed.toolkit.engine.cpu;

import dev.heed.toolkit.engine.CompiledPlan;
import dev.heed.toolkit.engine.HostTensor;
import dev.heed.toolkit.engine.PlanExecutor;
import dev.heed.toolkit.engine.PlanPass;
import dev.heed.toolkit.engine.PlanPasses;
import dev.heed.toolkit.engine.ReluGradient;
import dev.heed.toolkit.engine.plan.Op;
import dev.heed.toolkit.engine.plan.Plan;
import dev.heed.toolkit.engine.plan.TensorInfo;
import dev.heed.toolkit.engine.plan.Weights;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs a {@link Plan} in plain Java on the heap: the reference every other executor is checked against. Each op's
 * forward and backward-data maths is in {@link ReferenceKernels}; this class walks the ops and keeps the tensors.
 */
public final class CpuReferenceExecutor implements PlanExecutor {
    public static final String NAME = "cpu-reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompiledPlan compile(Plan plan) {
        return new Compiled(plan);
    }

    /** The plan with its weights copied to heap arrays once, so that passes read plain {@code float[]}s. */
    private static final class Compiled implements CompiledPlan {
        private final Plan plan;
        private final Map<Op, float[][]> weights = new IdentityHashMap<>();
        private volatile boolean open = true;

        Compiled(Plan plan) {
            this.plan = plan;
            for (Op op : plan.ops()) {
                if (op instanceof Op.Dense d) {
                    weights.put(op, new float[][] {d.weight().toArray(), arrayOrNull(d.bias())});
                } else if (op instanceof Op.Conv2d c) {
                    weights.put(op, new float[][] {c.weight().toArray(), arrayOrNull(c.bias())});
                } else if (op instanceof Op.ChannelAffine a) {
                    weights.put(op, new float[][] {a.scale().toArray(), a.shift().toArray()});
                } else if (op instanceof Op.LayerNorm l) {
                    weights.put(op, new float[][] {l.gain().toArray(), l.bias().toArray()});
                } else if (op instanceof Op.Gather g) {
                    weights.put(op, new float[][] {g.table().toArray()});
                } else if (op instanceof Op.Constant c) {
                    weights.put(op, new float[][] {c.value().toArray()});
                }
            }
        }

        private static float[] arrayOrNull(Weights w) {
            return w == null ? null : w.toArray();
        }

        @Override
        public Plan plan() {
            return plan;
        }

        @Override
        public String executor() {
            return NAME;
        }

        @Override
        public PlanPass forward(HostTensor input, String captureLayer) {
            if (!open) {
                throw new IllegalStateException("the compiled plan is closed");
            }
            int target = PlanPasses.target(plan, input, captureLayer);
            return new Pass(this, java.util.List.of(input), target, captureLayer != null, java.util.Map.of());
        }

        @Override
        public PlanPass forward(java.util.List<HostTensor> inputs, java.util.Collection<String> captureLayers) {
            if (!open) {
                throw new IllegalStateException("the compiled plan is closed");
            }
            PlanPasses.checkInputs(plan, inputs);
            java.util.Map<String, Integer> captured = new java.util.LinkedHashMap<>();
            for (String layer : captureLayers) {
                captured.put(layer, plan.capture(layer).id());
            }
            return new Pass(this, inputs, plan.input().id(), false, captured);
        }

        @Override
        public void close() {
            open = false;
            weights.clear();
        }
    }

    /** Every tensor of one forward pass, kept for the backward pass. */
    private static final class Pass implements PlanPass {
        private final Compiled compiled;
        private final Plan plan;
        private final int batch;
        private final float[][] values;
        private final int target;
        private final boolean captures;
        private final Map<String, Integer> namedCaptures;
        private boolean open = true;

        Pass(Compiled compiled, java.util.List<HostTensor> inputs, int target, boolean captures, Map<String, Integer> namedCaptures) {
            this.compiled = compiled;
            this.plan = compiled.plan;
            this.batch = inputs.get(0).batch();
            this.target = target;
            this.captures = captures;
            this.namedCaptures = Map.copyOf(namedCaptures);
            values = new float[plan.tensors().size()][];
            for (int i = 0; i < inputs.size(); i++) {
                values[plan.inputs().get(i).id()] = inputs.get(i).data().clone();
            }
            for (Op op : plan.ops()) {
                values[op.output()] = forward(op);
            }
        }

        private float[] forward(Op op) {
            float[][] w = compiled.weights.get(op);
            if (op instanceof Op.Dense d) {
                return ReferenceKernels.denseForward(values[d.input()], rows(d), w[0], w[1], d.inFeatures(), d.outFeatures());
            } else if (op instanceof Op.Conv2d c) {
                return ReferenceKernels.convForward(values[c.input()], batch, geometry(c.input(), c.window()), w[0], w[1], c.outChannels(),
                        c.groups());
            } else if (op instanceof Op.ChannelAffine a) {
                TensorInfo x = plan.tensor(a.input());
                return ReferenceKernels.affineForward(values[a.input()], batch, x.channels(), x.height() * x.width(), w[0], w[1]);
            } else if (op instanceof Op.Activation a) {
                return ReferenceKernels.activationForward(values[a.input()], a.kind(), a.alpha(), a.beta());
            } else if (op instanceof Op.Pool2d p) {
                return ReferenceKernels.poolForward(values[p.input()], batch, geometry(p.input(), p.window()), p.kind(), p.countPadding());
            } else if (op instanceof Op.GlobalPool g) {
                TensorInfo x = plan.tensor(g.input());
                return ReferenceKernels.globalPoolForward(values[g.input()], batch, x.channels(), x.height() * x.width(), g.kind());
            } else if (op instanceof Op.ZeroPad z) {
                TensorInfo x = plan.tensor(z.input());
                return ReferenceKernels.zeroPadForward(values[z.input()], batch, x.channels(), x.height(), x.width(), z.padding());
            } else if (op instanceof Op.Reshape r) {
                return values[r.input()];
            } else if (op instanceof Op.Add a) {
                float[] sum = values[a.sources()[0]].clone();
                for (int k = 1; k < a.sources().length; k++) {
                    float[] other = values[a.sources()[k]];
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += other[i];
                    }
                }
                return sum;
            } else if (op instanceof Op.Multiply m) {
                return ReferenceKernels.multiplyForward(values[m.a()], values[m.b()], repeat(m));
            } else if (op instanceof Op.Concat c) {
                int[] sources = c.sources();
                float[][] parts = new float[sources.length][];
                for (int k = 0; k < sources.length; k++) {
                    parts[k] = values[sources[k]];
                }
                return ReferenceKernels.concatForward(parts, sizes(sources), batch);
            } else if (op instanceof Op.Constant) {
                return TransformerKernels.broadcast(w[0], batch);
            } else if (op instanceof Op.Gather g) {
                int[] table = g.table().shape();
                return TransformerKernels.gather(values[g.ids()], w[0], table[0], table[1], g.layer());
            } else if (op instanceof Op.MatMul m) {
                PlanPasses.MatMulSizes p = PlanPasses.MatMulSizes.of(plan, m, batch);
                return TransformerKernels.gemm(values[m.a()], m.transposeA(), values[m.b()], m.transposeB(), p.count(), p.m(), p.n(), p.k(), m.scale());
            } else if (op instanceof Op.LayerNorm l) {
                return TransformerKernels.layerNormForward(values[l.input()], plan.tensor(l.input()).lastDim(), w[0], w[1], l.eps());
            } else if (op instanceof Op.Softmax s) {
                TensorInfo x = plan.tensor(s.input());
                return TransformerKernels.softmaxForward(values[s.input()], x.lastDim(), s.masked() ? values[s.mask()] : null,
                        x.size() / x.lastDim());
            } else if (op instanceof Op.Transpose t) {
                return TransformerKernels.transpose(values[t.input()], batch, plan.tensor(t.input()).shape(), t.permutation());
            } else if (op instanceof Op.Slice s) {
                TensorInfo x = plan.tensor(s.input());
                return TransformerKernels.slice(values[s.input()], batch, x.shape()[0], x.size() / x.shape()[0], s.start(), s.length());
            } else if (op instanceof Op.Gate g) {
                return values[g.input()];
            }
            throw new IllegalStateException("no reference kernel for " + op);
        }

        /** Rows a dense op transforms: the batch, times the tokens of a {@code [tokens, in]} input. */
        private int rows(Op.Dense d) {
            return batch * plan.tensor(d.input()).size() / d.inFeatures();
        }

        /** How many of a's values each of b's multiplies: 1 for equal shapes, a plane for a per-channel b. */
        private int repeat(Op.Multiply m) {
            return plan.tensor(m.a()).size() / plan.tensor(m.b()).size();
        }

        private int[] sizes(int[] tensors) {
            return Arrays.stream(tensors).map(t -> plan.tensor(t).size()).toArray();
        }

        private ReferenceKernels.Geometry geometry(int input, dev.heed.toolkit.engine.plan.Window window) {
            TensorInfo x = plan.tensor(input);
            return ReferenceKernels.Geometry.of(x.channels(), x.height(), x.width(), window);
        }

        private HostTensor host(int tensor) {
            return new HostTensor(PlanPasses.withBatch(plan, tensor, batch), values[tensor].clone());
        }

        private void requireOpen() {
            if (!open) {
                throw new IllegalStateException("the pass is closed");
            }
        }

        @Override
        public HostTensor logits() {
            requireOpen();
            return host(plan.output().id());
        }

        @Override
        public HostTensor captured() {
            requireOpen();
            return captures ? host(target) : null;
        }

        @Override
        public HostTensor captured(String layer) {
            requireOpen();
            return host(PlanPasses.captured(namedCaptures, layer));
        }

        @Override
        public Map<String, HostTensor> gateGradients(HostTensor scoreWeights) {
            requireOpen();
            PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
            java.util.List<Op.Gate> gates = plan.ops().stream().filter(Op.Gate.class::isInstance).map(Op.Gate.class::cast).toList();
            float[][] gradients = new float[plan.tensors().size()][];
            gradients[plan.output().id()] = scoreWeights.data().clone();
            PlanPasses.walkBackwardToAll(plan, gates.stream().mapToInt(Op.Gate::output).toArray(), tensor -> gradients[tensor] != null,
                    (op, s) -> accumulate(gradients, op.inputs()[s], backward(op, s, gradients[op.output()], false)));
            Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
            for (Op.Gate gate : gates) {
                float[] g = gradients[gate.output()];
                float[] x = values[gate.input()];
                float[] product = new float[x.length];
                if (g != null) {
                    for (int i = 0; i < x.length; i++) {
                        product[i] = g[i] * x[i];
                    }
                }
                out.put(gate.layer(), new HostTensor(PlanPasses.withBatch(plan, gate.output(), batch), product));
            }
            return out;
        }

        @Override
        public HostTensor backward(HostTensor scoreWeights, ReluGradient relu) {
            requireOpen();
            PlanPasses.checkScoreWeights(plan, batch, scoreWeights);
            float[][] gradients = new float[plan.tensors().size()][];
            gradients[plan.output().id()] = scoreWeights.data().clone();
            PlanPasses.walkBackward(plan, target, tensor -> gradients[tensor] != null, (op, s) ->
                    accumulate(gradients, op.inputs()[s], backward(op, s, gradients[op.output()], relu == ReluGradient.GUIDED)));
            if (gradients[target] == null) {
                throw new IllegalStateException("no gradient reaches tensor " + plan.tensor(target) + " from the logits");
            }
            return new HostTensor(PlanPasses.withBatch(plan, target, batch), gradients[target]);
        }

        /** Sums gradients where a tensor feeds several ops; the first arrival is kept as is (each is a fresh array). */
        private static void accumulate(float[][] gradients, int tensor, float[] g) {
            if (gradients[tensor] == null) {
                gradients[tensor] = g;
            } else {
                float[] sum = gradients[tensor];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += g[i];
                }
            }
        }

        /** The gradient with respect to input {@code source} of {@code op}, a fresh array. */
        private float[] backward(Op op, int source, float[] g, boolean guided) {
            float[][] w = compiled.weights.get(op);
            if (op instanceof Op.Dense d) {
                return ReferenceKernels.denseBackward(g, rows(d), w[0], d.inFeatures(), d.outFeatures());
            } else if (op instanceof Op.Conv2d c) {
                return ReferenceKernels.convBackward(g, batch, geometry(c.input(), c.window()), w[0], c.outChannels(), c.groups());
            } else if (op instanceof Op.ChannelAffine a) {
                TensorInfo x = plan.tensor(a.input());
                return ReferenceKernels.affineBackward(g, batch, x.channels(), x.height() * x.width(), w[0]);
            } else if (op instanceof Op.Activation a) {
                return ReferenceKernels.activationBackward(g, values[a.input()], values[a.output()], a.kind(), a.alpha(), a.beta(), guided);
            } else if (op instanceof Op.Pool2d p) {
                return ReferenceKernels.poolBackward(g, values[p.input()], batch, geometry(p.input(), p.window()), p.kind(), p.countPadding());
            } else if (op instanceof Op.GlobalPool gp) {
                TensorInfo x = plan.tensor(gp.input());
                return ReferenceKernels.globalPoolBackward(g, values[gp.input()], batch, x.channels(), x.height() * x.width(), gp.kind());
            } else if (op instanceof Op.ZeroPad z) {
                TensorInfo x = plan.tensor(z.input());
                return ReferenceKernels.zeroPadBackward(g, batch, x.channels(), x.height(), x.width(), z.padding());
            } else if (op instanceof Op.Reshape || op instanceof Op.Add || op instanceof Op.Gate) {
                return g.clone();
            } else if (op instanceof Op.MatMul m) {
                PlanPasses.MatMulSizes p = PlanPasses.MatMulSizes.of(plan, m, batch);
                return source == 0
                        ? TransformerKernels.gemmBackwardA(g, values[m.b()], m.transposeA(), m.transposeB(), p.count(), p.m(), p.n(), p.k(), m.scale())
                        : TransformerKernels.gemmBackwardB(g, values[m.a()], m.transposeA(), m.transposeB(), p.count(), p.m(), p.n(), p.k(), m.scale());
            } else if (op instanceof Op.LayerNorm l) {
                return TransformerKernels.layerNormBackward(g, values[l.input()], plan.tensor(l.input()).lastDim(), w[0], l.eps());
            } else if (op instanceof Op.Softmax s) {
                return TransformerKernels.softmaxBackward(g, values[s.output()], plan.tensor(s.input()).lastDim());
            } else if (op instanceof Op.Transpose t) {
                return TransformerKernels.transpose(g, batch, plan.tensor(t.output()).shape(), TransformerKernels.inverse(t.permutation()));
            } else if (op instanceof Op.Slice s) {
                TensorInfo x = plan.tensor(s.input());
                return TransformerKernels.sliceBackward(g, batch, x.shape()[0], x.size() / x.shape()[0], s.start(), s.length());
            } else if (op instanceof Op.Multiply m) {
                // d(a b)/da = b (broadcast back over a's pixels); d(a b)/db = a, summed over the pixels b was broadcast to
                return source == 0 ? ReferenceKernels.multiplyForward(g, values[m.b()], repeat(m))
                        : ReferenceKernels.multiplyBackwardBroadcast(g, values[m.a()], repeat(m));
            } else if (op instanceof Op.Concat c) {
                return ReferenceKernels.concatBackward(g, sizes(c.sources()), source, batch);
            }
            throw new IllegalStateException("no reference kernel for " + op);
        }

        @Override
        public void close() {
            open = false;
            Arrays.fill(values, null);
        }
    }
}
