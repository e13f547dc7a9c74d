package dev.unimoe.tornado;

import dev.unimoe.model.Decoder;
import dev.unimoe.model.LayerWeights;
import dev.unimoe.model.ModelConfig;
import dev.unimoe.model.Trace;
import dev.unimoe.model.Weights;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
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
 * logits ("logits"), in one execution plan. The graphs work on a batch of up to {@link #batchRows()}
 * rows: a prompt goes through in chunks of that many rows (one launch per kernel per chunk, the
 * matrix-matrix prefill), a decode step is the batch of one row. Before a call with another row
 * count, the row-sized kernels get grids of exactly that many rows, so a decode step launches no
 * idle work-groups. The logits graph takes the chunk's last row only.
 *
 * <p>Weights go to the device once (FIRST_EXECUTION) and stay in the graph that uses them, with
 * each layer's KV cache; activations pass from graph to graph on the device ({@code persistOnDevice}
 * / {@code consumeFromDevice}). Per call only the input rows and the position go up and only the
 * logits come down; MoE routing stays on the device.
 *
 * <p>Per layer there are seven launches (nine with a shared expert): q/k/v with the attention
 * norm, RoPE and the cache write; attention; wo with the residual; the FFN norm with the router
 * logits; routing; the experts' gate/up with SwiGLU; down with the residual. On a GPU a decode
 * step costs mostly the host's work per launch, hence the fusion.
 *
 * <p>With {@code --device} listing a device per layer, consecutive layers on one device form a
 * run that shares one set of activations ({@link DeviceActivations}); between runs the hidden
 * state goes through the host (TornadoVM 5.2 hands persisted buffers only to graphs on the
 * same device): the call's rows of {@code hidden} floats per chunk and boundary.
 */
public final class TornadoDecoder implements Decoder {
    private static final int L = MatVecKernels.LOCAL;

    private final ModelConfig c;
    private final Weights w;
    private final int ctx, batch, nl;
    private final TornadoExecutionPlan plan;
    private final String deviceName;
    private final FloatArray logits;
    private final GridScheduler grids = new GridScheduler();
    private final Map<Object, String> owner = new IdentityHashMap<>();
    private final List<String> graphNames = new ArrayList<>();
    private final DeviceActivations[] acts;           // per layer graph; layers on one device share a set
    /** Work-groups per row of each row-sized task, to size its grid to a call's row count. */
    private final Map<String, Integer> perRow = new LinkedHashMap<>();
    private int gridRows = -1;
    private boolean profiling;
    private long kernelNanos, transferNanos, executions, profiledExecutions, rows, batchedRows, wallNanos;

    /** {@code perGraph}: assign each graph its device one by one (the heterogeneous path) even if all are the same. */
    TornadoDecoder(ModelConfig c, Weights w, int ctx, int maxBatch, TornadoDevice[] devices, boolean perGraph) {
        this.c = c;
        this.w = w;
        this.ctx = ctx;
        this.nl = c.layers();
        this.batch = batchRows(c, ctx, maxBatch);
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
        acts = new DeviceActivations[nl];
        for (int l = 0; l < nl; l++) {
            acts[l] = l > 0 && devices[l] == devices[l - 1] ? acts[l - 1] : new DeviceActivations(c, batch, ctx, cos, sin);
        }

        List<TaskGraph> graphs = new ArrayList<>();
        for (int l = 0; l < nl; l++) graphs.add(layerGraph(l));
        graphs.add(logitsGraph());
        ImmutableTaskGraph[] snaps = new ImmutableTaskGraph[graphs.size()];
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
        warmUp();
    }

    /** Prefill rows per launch: the caller's batch, at most 64, and no more than the attention scores scratch can hold in 256 MiB. */
    static int batchRows(ModelConfig c, int ctx, int maxBatch) {
        long scoresPerRow = 4L * c.heads() * ctx;
        int cap = (int) Math.max(1, Math.min(64, (256L << 20) / Math.max(1, scoresPerRow)));
        return Math.max(1, Math.min(cap, maxBatch));
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

        void weights(Object... objs) {
            tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, objs);
        }

        /** A task of {@code groups} work-groups in all. */
        void task(String id, int groups, Runnable addTask) {
            addTask.run();
            grids.addWorkerGrid(name + "." + id, grid(groups));
        }

        /** A task of {@code groups} work-groups per row of the call (grid resized per call). */
        void rowTask(String id, int groups, Runnable addTask) {
            task(id, groups, addTask);
            perRow.put(name + "." + id, groups);
        }
    }

    /** A fresh grid: WorkerGrid.setGlobalWork would leave a stale work-group count (and make the grid 3-D). */
    private static WorkerGrid1D grid(int groups) {
        WorkerGrid1D g = new WorkerGrid1D(groups * L);
        g.setLocalWork(L, 1, 1);
        return g;
    }

    private void consumeShared(G g, DeviceActivations a, Object... objs) {
        Map<String, List<Object>> by = new LinkedHashMap<>();
        List<Object> constants = new ArrayList<>();
        for (Object o : objs) {
            String own = owner.get(o);
            if (own != null) by.computeIfAbsent(own, s -> new ArrayList<>()).add(o);
            else if (a.isConstant(o)) constants.add(o);
        }
        for (var e : by.entrySet()) g.tg.consumeFromDevice(e.getKey(), e.getValue().toArray());
        if (!constants.isEmpty()) g.tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, constants.toArray());
    }

    private void persistShared(G g, Object... objs) {
        g.tg.persistOnDevice(objs);
        for (Object o : objs) owner.put(o, g.name);
    }

    private TaskGraph layerGraph(int l) {
        LayerWeights lw = w.layers()[l];
        G g = new G("l" + l);
        TaskGraph t = g.tg;
        DeviceActivations a = acts[l];
        boolean first = l == 0 || acts[l - 1] != a, last = l == nl - 1 || acts[l + 1] != a;
        int H = c.hidden(), qd = c.qDim(), kvd = c.kvDim(), half = c.headDim() / 2, K = Math.max(1, c.expertsPerToken());
        Object[] used = a.all();
        consumeShared(g, a, used);
        // the first graph on a device takes the rows (and position) from the host
        if (first) t.transferToDevice(DataTransferMode.EVERY_EXECUTION, a.x, a.pos);

        float[] bias = new float[qd + 2 * kvd];                   // zeros when the model has none
        if (lw.bq() != null) {
            System.arraycopy(lw.bq(), 0, bias, 0, qd);
            System.arraycopy(lw.bk(), 0, bias, qd, kvd);
            System.arraycopy(lw.bv(), 0, bias, qd + kvd, kvd);
        }
        FloatArray attnNorm = FloatArray.fromArray(lw.attnNorm()), ffnNorm = FloatArray.fromArray(lw.ffnNorm()), qkvBias = FloatArray.fromArray(bias);
        FloatArray kc = new FloatArray(ctx * kvd), vc = new FloatArray(ctx * kvd);
        DeviceMatrix qkv = DeviceMatrix.of(lw.wq(), lw.wk(), lw.wv()), wo = DeviceMatrix.of(lw.wo());
        g.weights(attnNorm, ffnNorm, qkvBias, kc, vc);
        g.weights(qkv.arrays());
        g.weights(wo.arrays());
        int heads = c.heads(), kvHeads = c.kvHeads(), hd = c.headDim(), pairwise = c.ropePairwise() ? 1 : 0;
        float eps = c.rmsEps();

        g.rowTask("qkv", heads * half + kvHeads * half + kvd, () -> {
            switch (qkv.format) {
                case F32 -> t.task("qkv", QkvKernels::qkvF32, new KernelContext(), a.x, attnNorm, qkv.f32, qkvBias, a.q, kc, vc, a.cos, a.sin, a.pos,
                        H, heads, kvHeads, half, pairwise, eps);
                case F16 -> t.task("qkv", QkvKernels::qkvF16, new KernelContext(), a.x, attnNorm, qkv.f16, qkvBias, a.q, kc, vc, a.cos, a.sin, a.pos,
                        H, heads, kvHeads, half, pairwise, eps);
                case Q8 -> t.task("qkv", QkvKernels::qkvQ8, new KernelContext(), a.x, attnNorm, qkv.quants, qkv.scales, qkvBias, a.q, kc, vc, a.cos, a.sin, a.pos,
                        H, heads, kvHeads, half, pairwise, eps);
            }
        });
        float scale = (float) (1.0 / Math.sqrt(hd));
        g.rowTask("attn", heads, () -> t.task("attn", AttentionKernels::attention, new KernelContext(), a.q, kc, vc, a.scores, a.att, a.pos,
                heads, kvHeads, hd, ctx, scale));
        linear(g, "wo", wo, a.att, a.x, a.pos, 1, false);                 // x += Wo · attn (residual fused)

        if (lw.sparse()) {
            boolean shared = lw.sharedGate() != null;
            int E = c.experts(), R = E + (shared ? 1 : 0), Fe = c.expertFfn();
            // router rows read as floats; row E of a Qwen2-MoE router is the shared expert's gate
            DeviceMatrix router = shared ? DeviceMatrix.of(DeviceMatrix.Format.F32, lw.router(), lw.sharedExpertGate())
                    : DeviceMatrix.of(DeviceMatrix.Format.F32, lw.router());
            DeviceMatrix eg = DeviceMatrix.of(lw.expertGate()), eu = DeviceMatrix.of(lw.expertUp()), ed = DeviceMatrix.of(lw.expertDown());
            int norm = c.normTopkProb() ? 1 : 0, withShared = shared ? 1 : 0;
            FloatArray probs = new FloatArray(a.rows * E);                 // the routing softmax's scratch, this layer's own
            g.weights(router.f32, probs);
            for (DeviceMatrix m : new DeviceMatrix[]{eg, eu, ed}) g.weights(m.arrays());
            normRouter(g, a, ffnNorm, router.f32, R, eps);
            g.rowTask("route", 1, () -> t.task("route", RouterKernels::route, new KernelContext(), a.rlog, probs, a.ids, a.wts, a.sgw, a.pos,
                    E, K, R, norm, withShared));
            gateUp(g, a, "expertGateUp", eg, eu, Fe, K, 1);
            down(g, a, "expertDown", ed, Fe, K, 0);
            if (shared) {
                int Fs = c.sharedExpertFfn();
                DeviceMatrix sg = DeviceMatrix.of(lw.sharedGate()), su = DeviceMatrix.of(lw.sharedUp()), sd = DeviceMatrix.of(lw.sharedDown());
                for (DeviceMatrix m : new DeviceMatrix[]{sg, su, sd}) g.weights(m.arrays());
                gateUp(g, a, "sharedGateUp", sg, su, Fs, 1, 0);
                down(g, a, "sharedDown", sd, Fs, 1, 1);
            }
        } else {
            int F = lw.ffnGate().rows();
            DeviceMatrix fg = DeviceMatrix.of(lw.ffnGate()), fu = DeviceMatrix.of(lw.ffnUp()), fd = DeviceMatrix.of(lw.ffnDown());
            FloatArray noRouter = new FloatArray(1);
            g.weights(noRouter);
            for (DeviceMatrix m : new DeviceMatrix[]{fg, fu, fd}) g.weights(m.arrays());
            normRouter(g, a, ffnNorm, noRouter, 0, eps);
            gateUp(g, a, "ffnGateUp", fg, fu, F, 1, 0);
            down(g, a, "ffnDown", fd, F, 1, 2);
        }
        persistShared(g, used);
        // the last layer on a device hands the hidden state on through the host, unless the logits follow there
        if (last && l < nl - 1) t.transferToHost(DataTransferMode.EVERY_EXECUTION, a.x);
        return t;
    }

    /** {@code oneRow}: the LM head, over the single row the final norm leaves, whatever the call's row count. */
    private void linear(G g, String id, DeviceMatrix m, FloatArray in, FloatArray out, IntArray pos, int acc, boolean oneRow) {
        TaskGraph t = g.tg;
        int rows = m.rows, cols = m.cols;
        Runnable add = () -> {
            switch (m.format) {
                case F32 -> t.task(id, MatVecKernels::linearF32, new KernelContext(), m.f32, in, out, pos, rows, cols, acc);
                case F16 -> t.task(id, MatVecKernels::linearF16, new KernelContext(), m.f16, in, out, pos, rows, cols, acc);
                case Q8 -> t.task(id, MatVecKernels::linearQ8, new KernelContext(), m.quants, m.scales, in, out, pos, rows, cols, acc);
            }
        };
        if (oneRow) g.task(id, m.rows, add);
        else g.rowTask(id, m.rows, add);
    }

    /** The FFN norm with the R router logits of a row (R = 0: a dense layer's norm alone). */
    private void normRouter(G g, DeviceActivations a, FloatArray norm, FloatArray router, int R, float eps) {
        TaskGraph t = g.tg;
        int H = c.hidden();
        g.rowTask("ffnNorm", Math.max(1, R), () -> t.task("ffnNorm", LayerKernels::normRouter, new KernelContext(), a.x, norm, router, a.xb, a.rlog, a.pos,
                H, R, eps));
    }

    /** K slots of F gate/up rows per row: the routed experts ({@code routed}), else expert 0 of the stack. */
    private void gateUp(G g, DeviceActivations a, String id, DeviceMatrix gm, DeviceMatrix um, int F, int K, int routed) {
        TaskGraph t = g.tg;
        int H = c.hidden();
        if (gm.format != um.format) throw new IllegalStateException("gate and up projections differ in format");
        g.rowTask(id, K * F, () -> {
            switch (gm.format) {
                case F32 -> t.task(id, MatVecKernels::gateUpF32, new KernelContext(), gm.f32, um.f32, a.xb, a.ids, a.hb, a.pos, H, F, K, routed);
                case F16 -> t.task(id, MatVecKernels::gateUpF16, new KernelContext(), gm.f16, um.f16, a.xb, a.ids, a.hb, a.pos, H, F, K, routed);
                case Q8 -> t.task(id, MatVecKernels::gateUpQ8, new KernelContext(), gm.quants, gm.scales, um.quants, um.scales, a.xb, a.ids, a.hb, a.pos,
                        H, F, K, routed);
            }
        });
    }

    /** x += the K slots' down products, weighted as {@code mode} says (see {@link MatVecKernels}). */
    private void down(G g, DeviceActivations a, String id, DeviceMatrix dm, int F, int K, int mode) {
        TaskGraph t = g.tg;
        int H = c.hidden();
        g.rowTask(id, H, () -> {
            switch (dm.format) {
                case F32 -> t.task(id, MatVecKernels::downF32, new KernelContext(), dm.f32, a.hb, a.ids, a.wts, a.sgw, a.x, a.pos, H, F, K, mode);
                case F16 -> t.task(id, MatVecKernels::downF16, new KernelContext(), dm.f16, a.hb, a.ids, a.wts, a.sgw, a.x, a.pos, H, F, K, mode);
                case Q8 -> t.task(id, MatVecKernels::downQ8, new KernelContext(), dm.quants, dm.scales, a.hb, a.ids, a.wts, a.sgw, a.x, a.pos, H, F, K, mode);
            }
        });
    }

    /** The final norm of the chunk's last row (into xb row 0) and the LM head over it. */
    private TaskGraph logitsGraph() {
        G g = new G("logits");
        TaskGraph t = g.tg;
        DeviceActivations a = acts[nl - 1];
        consumeShared(g, a, a.x, a.xb, a.pos);
        FloatArray norm = FloatArray.fromArray(w.finalNorm());
        DeviceMatrix head = DeviceMatrix.of(w.lmHead());
        g.weights(norm);
        g.weights(head.arrays());
        int H = c.hidden();
        float eps = c.rmsEps();
        g.task("finalNorm", 1, () -> t.task("finalNorm", LayerKernels::rmsnorm, new KernelContext(), a.x, norm, a.xb, a.pos, H, 1, eps));
        linear(g, "lmHead", head, a.xb, logits, a.pos, 0, true);
        t.transferToHost(DataTransferMode.EVERY_EXECUTION, logits);
        return t;
    }

    /** Device bytes for weights (as stored on the device), KV caches and activations, per device of {@code devices} (layers, then the logits). */
    static Map<TornadoDevice, Long> estimateBytes(ModelConfig c, Weights w, int ctx, int maxBatch, TornadoDevice[] devices) {
        Map<TornadoDevice, Long> need = new LinkedHashMap<>();
        int rows = batchRows(c, ctx, maxBatch);
        long acts = DeviceActivations.bytes(c, rows, ctx);
        for (int l = 0; l < c.layers(); l++) {
            long n = layerBytes(w.layers()[l], c, ctx, rows);
            if (!need.containsKey(devices[l])) n += acts;   // one activation set per device
            need.merge(devices[l], n, Long::sum);
        }
        need.merge(devices[c.layers()], DeviceMatrix.deviceBytes(w.lmHead()) + 4L * w.finalNorm().length + 4L * c.vocabSize(), Long::sum);
        return need;
    }

    private static long layerBytes(LayerWeights l, ModelConfig c, int ctx, int rows) {
        long n = DeviceMatrix.deviceBytes(l.wq(), l.wk(), l.wv(), l.wo()) + 4L * (l.attnNorm().length + l.ffnNorm().length);
        n += 4L * (c.qDim() + 2L * c.kvDim());                                     // the q/k/v bias, zeros if none
        if (l.sparse()) {
            n += 4L * (l.router().rows() + (l.sharedGate() != null ? 1 : 0)) * l.router().cols();   // read as floats
            n += 4L * rows * c.experts();                                                       // routing scratch
            n += DeviceMatrix.deviceBytes(l.expertGate()) + DeviceMatrix.deviceBytes(l.expertUp()) + DeviceMatrix.deviceBytes(l.expertDown());
            if (l.sharedGate() != null) n += DeviceMatrix.deviceBytes(l.sharedGate(), l.sharedUp(), l.sharedDown());
        } else {
            n += DeviceMatrix.deviceBytes(l.ffnGate(), l.ffnUp(), l.ffnDown());
        }
        return n + 2L * 4 * ctx * c.kvDim();
    }

    @Override public ModelConfig config() { return c; }

    @Override public Weights weights() { return w; }

    @Override public int contextLength() { return ctx; }

    @Override public void setTrace(Trace trace) {}

    /** Rows the graphs take per launch (the prefill chunk). */
    public int batchRows() { return batch; }

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

    /** One execution of every graph with zero rows: compiles the kernels and sends the weights before any real call. */
    private void warmUp() {
        resize(1);
        for (DeviceActivations a : acts) {
            a.pos.set(0, 0);
            a.pos.set(1, 0);
        }
        for (int g = 0; g < graphNames.size(); g++) run(g);
        executions = 0;                            // stats count the calls' executions only
    }

    /** Gives the row-sized tasks grids of {@code n} rows. */
    private void resize(int n) {
        if (n == gridRows) return;
        for (var e : perRow.entrySet()) grids.addWorkerGrid(e.getKey(), grid(e.getValue() * n));
        gridRows = n;
    }

    private void run(int graph) {
        TornadoExecutionResult r;
        try {
            r = Plans.execute(plan, graph);
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

    /**
     * Rows in chunks of up to {@link #batchRows()} (one at a time when every row's logits are
     * wanted); a row's values do not depend on the chunk it runs in, so a prompt gives the same
     * logits batched or stepwise. The host rewrites the input rows and pos for the next chunk
     * only after execute() returned, and by then the uploads of the previous one are done:
     * TornadoVM's OpenCL driver writes each kernel's argument frame with a blocking copy on the
     * same in-order queue.
     */
    @Override
    public void forward(float[] input, int T, int start, float[] out, boolean allRows) {
        if (start + T > ctx) {
            throw new IllegalArgumentException("sequence of " + (start + T) + " positions exceeds the context length " + ctx);
        }
        int H = c.hidden(), V = c.vocabSize();
        int step = allRows ? 1 : batch;
        long t0 = System.nanoTime();
        for (int c0 = 0; c0 < T; c0 += step) {
            int n = Math.min(step, T - c0);
            resize(n);
            MemorySegment.copy(input, c0 * H, acts[0].x.getSegment(), ValueLayout.JAVA_FLOAT, 0, n * H);
            for (int l = 0; l < nl; l++) {
                DeviceActivations a = acts[l];
                if (l == 0 || a != acts[l - 1]) {          // the first layer on a device: rows and position from the host
                    if (l > 0) MemorySegment.copy(acts[l - 1].x.getSegment(), 0, a.x.getSegment(), 0, 4L * n * H);
                    a.pos.set(0, start + c0);
                    a.pos.set(1, n);
                }
                run(l);
            }
            if (out != null && (allRows || c0 + n == T)) {
                run(nl);
                MemorySegment.copy(logits.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, allRows ? c0 * V : 0, V);
            }
            if (n > 1) batchedRows += n;
        }
        rows += T;
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
        m.put("rows", rows);
        m.put("prefill_batch", batch);
        m.put("batched_rows", batchedRows);
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
