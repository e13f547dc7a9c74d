package dev.unimoe.tornado;

import dev.unimoe.encoders.Activation;
import dev.unimoe.encoders.EncoderLayer;
import dev.unimoe.encoders.Linear;
import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A stack of pre-LN encoder layers on the device, as one task graph run once per layer:
 * {@code h = LN1 x; qkv = h·Wqkvᵀ + b; a = attn(qkv); x += a·Woᵀ + b; h = LN2 x;
 * f = act(h·W1ᵀ + b1); x += f·W2ᵀ + b2}. The weights of all layers are packed per kind
 * ([layers, out, in]) as raw halves when the checkpoint is F16, else widened to float32, and sent once; {@code layer[0]} picks the layer, so the
 * graph compiles once whatever the depth. x goes up and comes back for every layer, which is what
 * gives the caller each hidden state; everything else stays on the device.
 */
final class DeviceEncoderStack implements AutoCloseable {
    private static final int TS = EncoderDeviceKernels.TS, L = EncoderDeviceKernels.LOCAL;
    private static int counter;

    final int rows, d, ffn, layers;
    private final FloatArray x;
    private final IntArray layer;
    private final TornadoExecutionPlan plan;
    private final DeviceMatrix.Format weightFormat;
    private long executions;

    DeviceEncoderStack(List<EncoderLayer> stack, int rows, TornadoDevice device) {
        EncoderLayer first = stack.getFirst();
        this.rows = rows;
        this.layers = stack.size();
        d = first.attn().width();
        ffn = first.fc1().out();
        int heads = first.attn().heads(), hd = d / heads;
        float eps = first.attnNorm().eps();
        Activation act = first.act();
        for (EncoderLayer l : stack) {
            if (l.attn().width() != d || l.fc1().out() != ffn || l.attn().heads() != heads || l.act() != act
                    || l.attnNorm().eps() != eps || l.mlpNorm().eps() != eps || l.fc2().out() != d) {
                throw new IllegalArgumentException("encoder layers of one stack differ in shape, activation or LayerNorm eps");
            }
        }
        DeviceMatrix.Format wf = weightFormat(stack);
        List<Matrix> qkvs = new ArrayList<>(), outs = new ArrayList<>(), fc1s = new ArrayList<>(), fc2s = new ArrayList<>();
        FloatArray bqkv = new FloatArray(layers * 3 * d), bo = new FloatArray(layers * d);
        FloatArray b1 = new FloatArray(layers * ffn), b2 = new FloatArray(layers * d);
        FloatArray norms = new FloatArray(layers * 4 * d);
        for (int l = 0; l < layers; l++) {
            EncoderLayer e = stack.get(l);
            Linear[] qkv = {e.attn().q(), e.attn().k(), e.attn().v()};
            for (int i = 0; i < 3; i++) {
                qkvs.add(qkv[i].weight());
                put(bqkv, (l * 3 + i) * d, qkv[i].bias());
            }
            outs.add(e.attn().out().weight());
            put(bo, l * d, e.attn().out().bias());
            fc1s.add(e.fc1().weight());
            put(b1, l * ffn, e.fc1().bias());
            fc2s.add(e.fc2().weight());
            put(b2, l * d, e.fc2().bias());
            put(norms, (l * 4) * d, e.attnNorm().weight());
            put(norms, (l * 4 + 1) * d, e.attnNorm().bias());
            put(norms, (l * 4 + 2) * d, e.mlpNorm().weight());
            put(norms, (l * 4 + 3) * d, e.mlpNorm().bias());
        }
        // stacked row-wise, layer after layer: [layers·n, k], the layout linear's L·n·k indexing reads
        DeviceMatrix wqkv = DeviceMatrix.of(wf, qkvs.toArray(Matrix[]::new)), wo = DeviceMatrix.of(wf, outs.toArray(Matrix[]::new));
        DeviceMatrix w1 = DeviceMatrix.of(wf, fc1s.toArray(Matrix[]::new)), w2 = DeviceMatrix.of(wf, fc2s.toArray(Matrix[]::new));
        weightFormat = wf;
        x = new FloatArray(rows * d);
        FloatArray h = new FloatArray(rows * d), qkv = new FloatArray(rows * 3 * d), a = new FloatArray(rows * d);
        FloatArray f = new FloatArray(rows * ffn), scores = new FloatArray(rows * heads * rows);
        layer = new IntArray(1);
        String name = "enc" + (counter++);
        int mode = DeviceEncoderStack.mode(act);
        float scale = (float) (1.0 / Math.sqrt(hd));
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, wqkv.arrays()[0], bqkv, wo.arrays()[0], bo, w1.arrays()[0], b1, w2.arrays()[0], b2, norms, h, qkv, a, f, scores)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, layer)
                .task("ln1", EncoderDeviceKernels::layerNorm, new KernelContext(), x, h, norms, layer, 0, d, eps);
        tg = linear(tg, "qkv", h, wqkv, bqkv, qkv, layer, rows, 3 * d, d, EncoderDeviceKernels.PLAIN, 0)
                .task("attn", EncoderDeviceKernels::attention, new KernelContext(), qkv, scores, a, rows, heads, hd, scale);
        tg = linear(tg, "out", a, wo, bo, x, layer, rows, d, d, EncoderDeviceKernels.PLAIN, 1)
                .task("ln2", EncoderDeviceKernels::layerNorm, new KernelContext(), x, h, norms, layer, 2, d, eps);
        tg = linear(tg, "fc1", h, w1, b1, f, layer, rows, ffn, d, mode, 0);
        tg = linear(tg, "fc2", f, w2, b2, x, layer, rows, d, ffn, EncoderDeviceKernels.PLAIN, 1)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        GridScheduler grids = new GridScheduler();
        grids.addWorkerGrid(name + ".ln1", rowsGrid(rows));
        grids.addWorkerGrid(name + ".ln2", rowsGrid(rows));
        grids.addWorkerGrid(name + ".attn", rowsGrid(rows * heads));
        grids.addWorkerGrid(name + ".qkv", tiles(3 * d, rows));
        grids.addWorkerGrid(name + ".out", tiles(d, rows));
        grids.addWorkerGrid(name + ".fc1", tiles(ffn, rows));
        grids.addWorkerGrid(name + ".fc2", tiles(d, rows));
        plan = new TornadoExecutionPlan(tg.snapshot()).withGridScheduler(grids).withDevice(device);
    }

    /**
     * F16 when every weight matrix of the stack is stored in half precision (or a format the
     * device keeps as halves), so an F16 checkpoint costs 2 bytes per weight on the device as on
     * disk; otherwise everything is widened to F32.
     */
    static DeviceMatrix.Format weightFormat(List<EncoderLayer> stack) {
        for (EncoderLayer e : stack) {
            for (Linear l : List.of(e.attn().q(), e.attn().k(), e.attn().v(), e.attn().out(), e.fc1(), e.fc2())) {
                if (DeviceMatrix.formatOf(l.weight().tensor().type()) != DeviceMatrix.Format.F16) return DeviceMatrix.Format.F32;
            }
        }
        return DeviceMatrix.Format.F16;
    }

    /** The layout of this stack's weights on the device. */
    DeviceMatrix.Format weightFormat() { return weightFormat; }

    /** Bytes this stack holds on the device. */
    static long deviceBytes(List<EncoderLayer> stack, int rows) {
        EncoderLayer e = stack.getFirst();
        long d = e.attn().width(), f = e.fc1().out(), n = stack.size();
        long perWeight = weightFormat(stack) == DeviceMatrix.Format.F16 ? 2 : 4;
        // per layer: weights 4d² + 2df, biases 5d + f, LayerNorms 4d; activations x, h, a, qkv (6d) and f per row, scores
        return perWeight * n * (4 * d * d + 2 * d * f) + 4L * (n * (9 * d + f) + rows * (6 * d + f) + (long) rows * rows * e.attn().heads());
    }

    /** A linear task reading W in its device layout (float32 or raw halves). */
    private static TaskGraph linear(TaskGraph tg, String id, FloatArray in, DeviceMatrix w, FloatArray b, FloatArray out, IntArray layer,
                                    int rows, int n, int k, int mode, int residual) {
        return w.format == DeviceMatrix.Format.F16
                ? tg.task(id, EncoderDeviceKernels::linearF16, new KernelContext(), in, w.f16, b, out, layer, rows, n, k, mode, residual)
                : tg.task(id, EncoderDeviceKernels::linear, new KernelContext(), in, w.f32, b, out, layer, rows, n, k, mode, residual);
    }

    /** Runs layers [0, upTo) on x in place; a copy after each into states if non-null. */
    void run(float[] xs, int upTo, List<float[]> states) {
        if (xs.length != rows * d) throw new IllegalArgumentException("encoder stack of " + rows + "×" + d + " given " + xs.length + " floats");
        MemorySegment seg = x.getSegment();
        MemorySegment.copy(xs, 0, seg, ValueLayout.JAVA_FLOAT, 0, xs.length);
        for (int l = 0; l < upTo; l++) {
            layer.set(0, l);
            Plans.execute(plan, 0);
            executions++;
            if (states != null) states.add(seg.toArray(ValueLayout.JAVA_FLOAT));
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, 0, xs, 0, xs.length);
    }

    long executions() { return executions; }

    static int mode(Activation act) {
        return switch (act) {
            case GELU -> EncoderDeviceKernels.GELU;
            case QUICK_GELU -> EncoderDeviceKernels.QUICK_GELU;
            case GELU_TANH -> EncoderDeviceKernels.GELU_TANH;
        };
    }

    /** One work-group of LOCAL per row. */
    static WorkerGrid rowsGrid(int groups) {
        WorkerGrid g = new WorkerGrid1D(groups * L);
        g.setLocalWork(L, 1, 1);
        return g;
    }

    /** A (cols, rows) grid of TS×TS groups covering an output [rows, cols]. */
    static WorkerGrid tiles(int cols, int rows) {
        WorkerGrid g = new WorkerGrid2D(roundUp(cols, TS), roundUp(rows, TS));
        g.setLocalWork(TS, TS, 1);
        return g;
    }

    static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    /** Widens a stored matrix into dst at offset (element index). */
    static void put(FloatArray dst, int offset, Matrix m) {
        float[] tmp = new float[m.rows() * m.cols()];
        m.tensor().dequantize(m.offset(), tmp, 0, tmp.length);
        MemorySegment.copy(tmp, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, 4L * offset, tmp.length);
    }

    /** Copies a bias (zeros stay for none). */
    static void put(FloatArray dst, int offset, float[] v) {
        if (v != null) MemorySegment.copy(v, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, 4L * offset, v.length);
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing an encoder stack's TornadoVM plan failed: " + e.getMessage(), e);
        }
    }
}
