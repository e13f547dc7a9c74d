package dev.unimoe.tornado;

import dev.unimoe.model.Decoder;
import dev.unimoe.model.LayerWeights;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Trace;
import dev.unimoe.model.Weights;
import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder as TornadoVM task graphs: one graph per layer ("l0", "l1", ...) and one for the
 * logits ("logits"), in one execution plan. Weights go to the device once (FIRST_EXECUTION) and
 * stay in the graph that uses them, with each layer's KV cache; activations pass from graph to
 * graph on the device ({@code persistOnDevice} / {@code consumeFromDevice}). Per token only the
 * embedding row and the position go up and only the logits come down; MoE routing (router
 * logits, softmax, top-k) stays on the device and the expert kernels read the chosen ids from a
 * device IntArray to offset into the layer's stacked expert weights.
 *
 * <p>With {@code --device} listing a device per layer, consecutive layers on one device form a
 * run that shares one set of activations ({@link DeviceActivations}); between runs the hidden
 * state goes through the host (TornadoVM 5.2 hands persisted buffers only to graphs on the
 * same device), one row of {@code hidden} floats per token and boundary.
 *
 * <p>Prefill feeds the prompt rows one at a time through the decode graphs (no batched prefill
 * kernels in this version); the logits graph runs only for rows whose logits are wanted.
 */
public final class TornadoDecoder implements Decoder {
    private static final int L = MatVecKernels.LOCAL;

    private final ModelConfig c;
    private final Weights w;
    private final int ctx;
    private final TornadoExecutionPlan plan;
    private final int layerGraphs;
    private final String deviceName;
    private final FloatArray logits;
    private final GridScheduler grids = new GridScheduler();
    private final Map<Object, String> owner = new IdentityHashMap<>();
    private final List<String> graphNames = new ArrayList<>();
    private final DeviceActivations[] acts;           // per layer graph; layers on one device share a set
    private boolean profiling;
    private long kernelNanos, transferNanos, executions, profiledExecutions, tokens, wallNanos;

    /** {@code perGraph}: assign each graph its device one by one (the heterogeneous path) even if all are the same. */
    TornadoDecoder(ModelConfig c, Weights w, int ctx, TornadoDevice[] devices, boolean perGraph) {
        this.c = c;
        this.w = w;
        this.ctx = ctx;
        int half = c.headDim() / 2;
        logits = new FloatArray(c.vocabSize());
        float[] cos = new float[ctx * half], sin = new float[ctx * half];
        float[] inv = new float[half];       // the table of dev.unimoe.model.Rope, computed the same way
        for (int i = 0; i < half; i++) inv[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (float) (2 * i) / c.headDim()));
        for (int p = 0; p < ctx; p++) {
            for (int i = 0; i < half; i++) {
                float a = p * inv[i];
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        acts = new DeviceActivations[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            acts[l] = l > 0 && devices[l] == devices[l - 1] ? acts[l - 1] : new DeviceActivations(c, ctx, cos, sin);
        }

        List<TaskGraph> graphs = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) graphs.add(layerGraph(l));
        graphs.add(logitsGraph());
        layerGraphs = c.layers();
        uk.ac.manchester.tornado.api.ImmutableTaskGraph[] snaps = new uk.ac.manchester.tornado.api.ImmutableTaskGraph[graphs.size()];
        for (int i = 0; i < snaps.length; i++) snaps[i] = graphs.get(i).snapshot();
        plan = new TornadoExecutionPlan(snaps);
        plan.withGridScheduler(grids);
        boolean same = true;
        for (TornadoDevice d : devices) same &= d == devices[0];
        if (same && !perGraph) {
            plan.withDevice(devices[0]);
        } else {
            // a device per graph: selecting one graph makes withDevice apply to it alone. (Per-task
            // devices would leave the graph's own device at the default, and TornadoVM syncs
            // persisted buffers by the graph's device.)
            for (int g = 0; g < graphs.size(); g++) plan.withGraph(g).withDevice(devices[Math.min(g, devices.length - 1)]);
            plan.withAllGraphs();
        }
        StringBuilder dn = new StringBuilder(devices[0].getPhysicalDevice().getDeviceName() + " (" + devices[0].getDeviceName());
        if (!same) for (int g = 1; g < devices.length; g++) dn.append(g == 1 ? "; graphs: " + devices[0].getDeviceName() : "").append(",").append(devices[g].getDeviceName());
        deviceName = dn.append(")").toString();
    }

    /** Builds a graph: shared objects it uses are consumed from the graph that last held them, then persisted. */
    private final class G {
        final String name;
        final TaskGraph tg;

        G(String name) {
            this.name = name;
            this.tg = new TaskGraph(name);
            graphNames.add(name);
        }

        G weights(Object... objs) {
            tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, objs);
            return this;
        }

        void task(String id, int global, int local, Runnable addTask) {
            addTask.run();
            WorkerGrid1D g = new WorkerGrid1D(global);
            g.setLocalWork(local, 1, 1);
            grids.addWorkerGrid(name + "." + id, g);
        }

        TaskGraph finish() {
            return tg;
        }
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    private void consumeShared(G g, DeviceActivations a, Object... objs) {
        // group by owner graph
        Map<String, List<Object>> by = new LinkedHashMap<>();
        List<Object> fresh = new ArrayList<>();
        for (Object o : objs) {
            String own = owner.get(o);
            if (own == null) fresh.add(o);
            else by.computeIfAbsent(own, s -> new ArrayList<>()).add(o);
        }
        for (var e : by.entrySet()) g.tg.consumeFromDevice(e.getKey(), e.getValue().toArray());
        if (!fresh.isEmpty()) {
            List<Object> constants = new ArrayList<>();
            for (Object o : fresh) if (a.isConstant(o)) constants.add(o);
            if (!constants.isEmpty()) g.tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, constants.toArray());
        }
    }

    private void persistShared(G g, Object... objs) {
        g.tg.persistOnDevice(objs);
        for (Object o : objs) owner.put(o, g.name);
    }

    private void matvec(G g, String id, DeviceMatrix m, FloatArray in, FloatArray out, int acc) {
        int rows = m.rows, cols = m.cols;
        TaskGraph t = g.tg;
        g.task(id, rows * L, L, () -> {
            switch (m.format) {
                case F32 -> t.task(id, MatVecKernels::matvecF32, new KernelContext(), m.f32, in, out, cols, acc);
                case F16 -> t.task(id, MatVecKernels::matvecF16, new KernelContext(), m.f16, in, out, cols, acc);
                case Q8 -> t.task(id, MatVecKernels::matvecQ8, new KernelContext(), m.quants, m.scales, in, out, cols, acc);
            }
        });
    }

    private void gateUp(G g, DeviceActivations a, String id, DeviceMatrix gm, DeviceMatrix um, IntArray sel, int kk, int f) {
        int h = gm.cols;
        TaskGraph t = g.tg;
        if (gm.format != um.format) throw new IllegalStateException("gate and up projections differ in format");
        g.task(id, kk * f * L, L, () -> {
            switch (gm.format) {
                case F32 -> t.task(id, MatVecKernels::gateUpF32, new KernelContext(), gm.f32, um.f32, a.xb, sel, a.hb, f, h);
                case F16 -> t.task(id, MatVecKernels::gateUpF16, new KernelContext(), gm.f16, um.f16, a.xb, sel, a.hb, f, h);
                case Q8 -> t.task(id, MatVecKernels::gateUpQ8, new KernelContext(), gm.quants, gm.scales, um.quants, um.scales, a.xb, sel, a.hb, f, h);
            }
        });
    }

    private void down(G g, DeviceActivations a, String id, DeviceMatrix dm, IntArray sel, FloatArray weights, int kk, int h, int acc) {
        int f = dm.cols;
        TaskGraph t = g.tg;
        g.task(id, h * L, L, () -> {
            switch (dm.format) {
                case F32 -> t.task(id, MatVecKernels::downF32, new KernelContext(), dm.f32, a.hb, sel, weights, a.moe, h, f, kk, acc);
                case F16 -> t.task(id, MatVecKernels::downF16, new KernelContext(), dm.f16, a.hb, sel, weights, a.moe, h, f, kk, acc);
                case Q8 -> t.task(id, MatVecKernels::downQ8, new KernelContext(), dm.quants, dm.scales, a.hb, sel, weights, a.moe, h, f, kk, acc);
            }
        });
    }

    private TaskGraph layerGraph(int l) {
        LayerWeights lw = w.layers()[l];
        G g = new G("l" + l);
        DeviceActivations a = acts[l];
        FloatArray x = a.x, xb = a.xb, q = a.q, k = a.k, v = a.v, att = a.att, scores = a.scores, hb = a.hb, moe = a.moe, cos = a.cos, sin = a.sin;
        FloatArray rlog = a.rlog, probs = a.probs, wts = a.wts, one = a.one, sg = a.sg, sgw = a.sgw;
        IntArray ids = a.ids, zeroIds = a.zeroIds, pos = a.pos;
        boolean first = l == 0 || acts[l - 1] != a, last = l == c.layers() - 1 || acts[l + 1] != a;
        int H = c.hidden(), half = c.headDim() / 2;
        List<Object> u = new ArrayList<>(List.of(x, pos, xb, q, k, v, att, scores, hb, moe, cos, sin));
        if (lw.sparse()) {
            u.addAll(List.of(rlog, probs, wts, ids));
            if (lw.sharedGate() != null) u.addAll(List.of(zeroIds, sg, sgw));
        } else {
            u.addAll(List.of(zeroIds, one));
        }
        Object[] used = u.toArray();
        consumeShared(g, a, used);
        // the first graph on a device takes the hidden state (and position) from the host
        if (first) g.tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, x, pos);

        FloatArray attnNorm = FloatArray.fromArray(lw.attnNorm()), ffnNorm = FloatArray.fromArray(lw.ffnNorm());
        DeviceMatrix wq = DeviceMatrix.of(lw.wq()), wk = DeviceMatrix.of(lw.wk()), wv = DeviceMatrix.of(lw.wv()), wo = DeviceMatrix.of(lw.wo());
        FloatArray kc = new FloatArray(ctx * c.kvDim()), vc = new FloatArray(ctx * c.kvDim());
        g.weights(attnNorm, ffnNorm, kc, vc);
        for (DeviceMatrix m : new DeviceMatrix[]{wq, wk, wv, wo}) g.weights(m.arrays());
        TaskGraph t = g.tg;

        g.task("attnNorm", L, L, () -> t.task("attnNorm", LayerKernels::rmsnorm, new KernelContext(), x, attnNorm, xb, H, c.rmsEps()));
        matvec(g, "wq", wq, xb, q, 0);
        matvec(g, "wk", wk, xb, k, 0);
        matvec(g, "wv", wv, xb, v, 0);
        if (lw.bq() != null) {
            FloatArray bq = FloatArray.fromArray(lw.bq()), bk = FloatArray.fromArray(lw.bk()), bv = FloatArray.fromArray(lw.bv());
            g.weights(bq, bk, bv);
            g.task("bq", roundUp(c.qDim(), L), L, () -> t.task("bq", LayerKernels::addInto, new KernelContext(), q, bq, c.qDim()));
            g.task("bk", roundUp(c.kvDim(), L), L, () -> t.task("bk", LayerKernels::addInto, new KernelContext(), k, bk, c.kvDim()));
            g.task("bv", roundUp(c.kvDim(), L), L, () -> t.task("bv", LayerKernels::addInto, new KernelContext(), v, bv, c.kvDim()));
        }
        int pairwise = c.ropePairwise() ? 1 : 0;
        g.task("rope", roundUp(c.heads() * half, L), L, () -> t.task("rope", LayerKernels::ropeKv, new KernelContext(), q, k, v, kc, vc, cos, sin, pos,
                c.heads(), c.kvHeads(), half, pairwise));
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        g.task("attn", c.heads() * L, L, () -> t.task("attn", AttentionKernels::attention, new KernelContext(), q, kc, vc, scores, att, pos,
                c.heads(), c.kvHeads(), c.headDim(), ctx, scale));
        matvec(g, "wo", wo, att, x, 1);                                  // x += Wo · attn (residual fused)

        g.task("ffnNorm", L, L, () -> t.task("ffnNorm", LayerKernels::rmsnorm, new KernelContext(), x, ffnNorm, xb, H, c.rmsEps()));
        if (lw.sparse()) {
            int E = c.experts(), K = c.expertsPerToken(), Fe = c.expertFfn();
            DeviceMatrix router = DeviceMatrix.of(lw.router());
            DeviceMatrix eg = DeviceMatrix.of(lw.expertGate()), eu = DeviceMatrix.of(lw.expertUp()), ed = DeviceMatrix.of(lw.expertDown());
            for (DeviceMatrix m : new DeviceMatrix[]{router, eg, eu, ed}) g.weights(m.arrays());
            matvec(g, "router", router, xb, rlog, 0);
            int norm = c.normTopkProb() ? 1 : 0;
            g.task("route", 1, 1, () -> t.task("route", RouterKernels::route, new KernelContext(), rlog, probs, ids, wts, E, K, norm));
            gateUp(g, a, "expertGateUp", eg, eu, ids, K, Fe);
            down(g, a, "expertDown", ed, ids, wts, K, H, 0);
            if (lw.sharedGate() != null) {
                DeviceMatrix seg = DeviceMatrix.of(lw.sharedExpertGate());
                DeviceMatrix sgm = DeviceMatrix.of(lw.sharedGate()), sum = DeviceMatrix.of(lw.sharedUp()), sdm = DeviceMatrix.of(lw.sharedDown());
                for (DeviceMatrix m : new DeviceMatrix[]{seg, sgm, sum, sdm}) g.weights(m.arrays());
                matvec(g, "sharedGateLogit", seg, xb, sg, 0);
                g.task("sharedSigmoid", 1, 1, () -> t.task("sharedSigmoid", LayerKernels::sigmoid1, new KernelContext(), sg, sgw));
                gateUp(g, a, "sharedGateUp", sgm, sum, zeroIds, 1, c.sharedExpertFfn());
                down(g, a, "sharedDown", sdm, zeroIds, sgw, 1, H, 1);
            }
        } else {
            DeviceMatrix fg = DeviceMatrix.of(lw.ffnGate()), fu = DeviceMatrix.of(lw.ffnUp()), fd = DeviceMatrix.of(lw.ffnDown());
            for (DeviceMatrix m : new DeviceMatrix[]{fg, fu, fd}) g.weights(m.arrays());
            gateUp(g, a, "ffnGateUp", fg, fu, zeroIds, 1, lw.ffnGate().rows());
            down(g, a, "ffnDown", fd, zeroIds, one, 1, H, 0);
        }
        g.task("residual", roundUp(H, L), L, () -> t.task("residual", LayerKernels::addInto, new KernelContext(), x, moe, H));
        persistShared(g, used);
        // the last layer on a device hands the hidden state on through the host, unless the logits follow there
        if (last && l < c.layers() - 1) g.tg.transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        return g.finish();
    }

    private TaskGraph logitsGraph() {
        G g = new G("logits");
        int H = c.hidden();
        DeviceActivations a = acts[c.layers() - 1];
        FloatArray x = a.x, xb = a.xb;
        consumeShared(g, a, x, xb);
        FloatArray norm = FloatArray.fromArray(w.finalNorm());
        DeviceMatrix head = DeviceMatrix.of(w.lmHead());
        g.weights(norm);
        g.weights(head.arrays());
        TaskGraph t = g.tg;
        g.task("finalNorm", L, L, () -> t.task("finalNorm", LayerKernels::rmsnorm, new KernelContext(), x, norm, xb, H, c.rmsEps()));
        matvec(g, "lmHead", head, xb, logits, 0);
        t.transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        return g.finish();
    }

    /** Device bytes for weights (as stored on the device), KV caches and activations, per device of {@code devices} (layers, then the logits). */
    static Map<TornadoDevice, Long> estimateBytes(ModelConfig c, Weights w, int ctx, TornadoDevice[] devices) {
        Map<TornadoDevice, Long> need = new LinkedHashMap<>();
        int F = Math.max(c.ffn(), Math.max(c.expertsPerToken() * c.expertFfn(), c.sharedExpertFfn()));
        long acts = 4L * (4L * c.hidden() + 2L * c.qDim() + 2L * c.kvDim() + (long) c.heads() * ctx + F + 2L * c.experts()
                + (long) ctx * c.headDim());
        for (int l = 0; l < c.layers(); l++) {
            long n = layerBytes(w.layers()[l], c, ctx);
            if (!need.containsKey(devices[l])) n += acts;   // one activation set per device
            need.merge(devices[l], n, Long::sum);
        }
        need.merge(devices[c.layers()], DeviceMatrix.deviceBytes(w.lmHead()) + 4L * w.finalNorm().length + 4L * c.vocabSize(), Long::sum);
        return need;
    }

    private static long layerBytes(LayerWeights l, ModelConfig c, int ctx) {
        long n = DeviceMatrix.deviceBytes(l.wq(), l.wk(), l.wv(), l.wo()) + 4L * (l.attnNorm().length + l.ffnNorm().length);
        if (l.bq() != null) n += 4L * (l.bq().length + l.bk().length + l.bv().length);
        if (l.sparse()) {
            n += DeviceMatrix.deviceBytes(l.router()) + DeviceMatrix.deviceBytes(l.expertGate()) + DeviceMatrix.deviceBytes(l.expertUp())
                    + DeviceMatrix.deviceBytes(l.expertDown());
            if (l.sharedGate() != null) n += DeviceMatrix.deviceBytes(l.sharedGate(), l.sharedUp(), l.sharedDown(), l.sharedExpertGate());
        } else {
            n += DeviceMatrix.deviceBytes(l.ffnGate(), l.ffnUp(), l.ffnDown());
        }
        return n + 2L * 4 * ctx * c.kvDim();
    }

    @Override public ModelConfig config() { return c; }

    @Override public Weights weights() { return w; }

    @Override public int contextLength() { return ctx; }

    @Override public void setTrace(Trace trace) {}

    /**
     * Turns TornadoVM's profiler on or off. It waits on every transfer and kernel event, which on
     * a GPU roughly halves decode speed, so the bench times with it off and profiles apart.
     */
    @Override
    public boolean setProfiling(boolean on) {
        if (on != profiling) {
            if (on) plan.withProfiler(ProfilerMode.SILENT);
            else plan.withoutProfiler();
            profiling = on;
        }
        return true;
    }

    private void run(int graph) {
        TornadoExecutionResult r;
        try {
            r = plan.withGraph(graph).execute();
        } catch (RuntimeException e) {
            throw new IllegalStateException("TornadoVM failed on graph " + graphNames.get(graph) + ": " + e, e);
        }
        executions++;
        if (profiling) {
            var p = r.getProfilerResult();
            profiledExecutions++;
            kernelNanos += Math.max(0, p.getDeviceKernelTime());
            transferNanos += Math.max(0, p.getDataTransfersTime());
        }
    }

    @Override
    public void forward(float[] input, int T, int start, float[] out, boolean allRows) {
        if (start + T > ctx) {
            throw new IllegalArgumentException("sequence of " + (start + T) + " positions exceeds the context length " + ctx);
        }
        int H = c.hidden(), V = c.vocabSize();
        long t0 = System.nanoTime();
        for (int t = 0; t < T; t++) {
            MemorySegment.copy(input, t * H, acts[0].x.getSegment(), ValueLayout.JAVA_FLOAT, 0, H);
            for (int l = 0; l < layerGraphs; l++) {
                if (l > 0 && acts[l] != acts[l - 1]) {
                    MemorySegment.copy(acts[l - 1].x.getSegment(), 0, acts[l].x.getSegment(), 0, 4L * H);   // device → device via the host
                }
                acts[l].pos.set(0, start + t);
                run(l);
            }
            boolean want = out != null && (allRows || t == T - 1);
            if (want) {
                run(layerGraphs);
                MemorySegment.copy(logits.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, allRows ? t * V : 0, V);
            }
            tokens++;
        }
        wallNanos += System.nanoTime() - t0;
    }

    /** Kernel time so far (device profiler, while profiling), in nanoseconds. */
    public long kernelNanos() { return kernelNanos; }

    public String deviceName() { return deviceName; }

    @Override
    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", deviceName);
        m.put("graphs", graphNames.size());
        m.put("graph_executions", executions);
        m.put("rows", tokens);
        m.put("profiled_executions", profiledExecutions);
        m.put("kernel_ms", kernelNanos / 1e6);
        m.put("transfer_ms", transferNanos / 1e6);
        m.put("wall_ms", wallNanos / 1e6);
        return m;
    }

    @Override
    public void close() {
        try {
            plan.close();                          // frees the device memory (calling freeDeviceMemory too frees it twice)
        } catch (Exception e) {
            throw new IllegalStateException("closing the TornadoVM plan failed: " + e.getMessage(), e);
        }
    }
}
