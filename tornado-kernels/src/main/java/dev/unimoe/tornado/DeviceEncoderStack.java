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
import java.util.List;

/**
 * A stack of pre-LN encoder layers on the device, as one task graph run once per layer:
 * {@code h = LN1 x; qkv = h·Wqkvᵀ + b; a = attn(qkv); x += a·Woᵀ + b; h = LN2 x;
 * f = act(h·W1ᵀ + b1); x += f·W2ᵀ + b2}. The weights of all layers are widened to float32 and
 * packed per kind ([layers, out, in]) and sent once; {@code layer[0]} picks the layer, so the
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
        FloatArray wqkv = new FloatArray(layers * 3 * d * d), bqkv = new FloatArray(layers * 3 * d);
        FloatArray wo = new FloatArray(layers * d * d), bo = new FloatArray(layers * d);
        FloatArray w1 = new FloatArray(layers * ffn * d), b1 = new FloatArray(layers * ffn);
        FloatArray w2 = new FloatArray(layers * d * ffn), b2 = new FloatArray(layers * d);
        FloatArray norms = new FloatArray(layers * 4 * d);
        for (int l = 0; l < layers; l++) {
            EncoderLayer e = stack.get(l);
            Linear[] qkv = {e.attn().q(), e.attn().k(), e.attn().v()};
            for (int i = 0; i < 3; i++) {
                put(wqkv, (l * 3 + i) * d * d, qkv[i].weight());
                put(bqkv, (l * 3 + i) * d, qkv[i].bias());
            }
            put(wo, l * d * d, e.attn().out().weight());
            put(bo, l * d, e.attn().out().bias());
            put(w1, l * ffn * d, e.fc1().weight());
            put(b1, l * ffn, e.fc1().bias());
            put(w2, l * d * ffn, e.fc2().weight());
            put(b2, l * d, e.fc2().bias());
            put(norms, (l * 4) * d, e.attnNorm().weight());
            put(norms, (l * 4 + 1) * d, e.attnNorm().bias());
            put(norms, (l * 4 + 2) * d, e.mlpNorm().weight());
            put(norms, (l * 4 + 3) * d, e.mlpNorm().bias());
        }
        x = new FloatArray(rows * d);
        FloatArray h = new FloatArray(rows * d), qkv = new FloatArray(rows * 3 * d), a = new FloatArray(rows * d);
        FloatArray f = new FloatArray(rows * ffn), scores = new FloatArray(rows * heads * rows);
        layer = new IntArray(1);
        String name = "enc" + (counter++);
        int mode = DeviceEncoderStack.mode(act);
        float scale = (float) (1.0 / Math.sqrt(hd));
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, wqkv, bqkv, wo, bo, w1, b1, w2, b2, norms, h, qkv, a, f, scores)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, layer)
                .task("ln1", EncoderDeviceKernels::layerNorm, new KernelContext(), x, h, norms, layer, 0, d, eps)
                .task("qkv", EncoderDeviceKernels::linear, new KernelContext(), h, wqkv, bqkv, qkv, layer, rows, 3 * d, d, EncoderDeviceKernels.PLAIN, 0)
                .task("attn", EncoderDeviceKernels::attention, new KernelContext(), qkv, scores, a, rows, heads, hd, scale)
                .task("out", EncoderDeviceKernels::linear, new KernelContext(), a, wo, bo, x, layer, rows, d, d, EncoderDeviceKernels.PLAIN, 1)
                .task("ln2", EncoderDeviceKernels::layerNorm, new KernelContext(), x, h, norms, layer, 2, d, eps)
                .task("fc1", EncoderDeviceKernels::linear, new KernelContext(), h, w1, b1, f, layer, rows, ffn, d, mode, 0)
                .task("fc2", EncoderDeviceKernels::linear, new KernelContext(), f, w2, b2, x, layer, rows, d, ffn, EncoderDeviceKernels.PLAIN, 1)
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

    /** Bytes this stack holds on the device. */
    static long deviceBytes(List<EncoderLayer> stack, int rows) {
        EncoderLayer e = stack.getFirst();
        long d = e.attn().width(), f = e.fc1().out(), n = stack.size();
        // per layer: weights 4d² + 2df, biases 5d + f, LayerNorms 4d; activations x, h, a, qkv (6d) and f per row, scores
        return 4L * (n * (4 * d * d + 2 * d * f + 9 * d + f) + rows * (6 * d + f) + (long) rows * rows * e.attn().heads());
    }

    /** Runs layers [0, upTo) on x in place; a copy after each into states if non-null. */
    void run(float[] xs, int upTo, List<float[]> states) {
        if (xs.length != rows * d) throw new IllegalArgumentException("encoder stack of " + rows + "×" + d + " given " + xs.length + " floats");
        MemorySegment seg = x.getSegment();
        MemorySegment.copy(xs, 0, seg, ValueLayout.JAVA_FLOAT, 0, xs.length);
        for (int l = 0; l < upTo; l++) {
            layer.set(0, l);
            plan.execute();
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
