package dev.unimoe.tornado;

import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encoder/projector matrix products on the device. One compiled plan per product shape
 * (rows, cols, tokens), so an encoder compiles a handful of kernels, not one per matrix; the
 * weights are widened to float32 once per matrix on the host (an LRU cache of up to
 * {@link #CACHE_BYTES}) and sent with every call, together with the activations. This keeps
 * compilation bounded at the price of a weight transfer per call: on a discrete GPU the decoder
 * path ({@link TornadoDecoder}, weights resident) is the fast one; this is the simple version.
 */
final class TornadoKernels implements Kernels {
    static final long CACHE_BYTES = 512L << 20;

    private final TornadoDevice device;
    private final Map<String, Shape> shapes = new HashMap<>();
    private final LinkedHashMap<Matrix, float[]> widened = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;
    private int counter;

    private static final class Shape {
        FloatArray w, x, y;
        TornadoExecutionPlan plan;
    }

    TornadoKernels(TornadoDevice device) {
        this.device = device;
    }

    @Override public String name() { return "tornado"; }

    @Override
    public synchronized void matmul(Matrix w, float[] x, int tokens, float[] out) {
        int rows = w.rows(), cols = w.cols();
        Shape s = shapes.computeIfAbsent(rows + "x" + cols + "x" + tokens, k -> build(rows, cols, tokens));
        MemorySegment.copy(weights(w), 0, s.w.getSegment(), ValueLayout.JAVA_FLOAT, 0, rows * cols);
        MemorySegment.copy(x, 0, s.x.getSegment(), ValueLayout.JAVA_FLOAT, 0, tokens * cols);
        s.plan.execute();
        MemorySegment.copy(s.y.getSegment(), ValueLayout.JAVA_FLOAT, 0, out, 0, tokens * rows);
    }

    private float[] weights(Matrix w) {
        if (!w.tensor().data().isNative()) {
            // a heap-wrapped matrix (attention keys/values, merged adapters) may be refilled between
            // calls: widen it afresh every time, never from the cache
            float[] f = new float[w.rows() * w.cols()];
            w.tensor().dequantize(w.offset(), f, 0, f.length);
            return f;
        }
        float[] f = widened.get(w);
        if (f != null) return f;
        f = new float[w.rows() * w.cols()];
        w.tensor().dequantize(w.offset(), f, 0, f.length);
        widened.put(w, f);
        cachedBytes += 4L * f.length;
        var it = widened.entrySet().iterator();
        while (cachedBytes > CACHE_BYTES && widened.size() > 1 && it.hasNext()) {
            var e = it.next();
            if (e.getKey() == w) continue;
            cachedBytes -= 4L * e.getValue().length;
            it.remove();
        }
        return f;
    }

    private Shape build(int rows, int cols, int tokens) {
        Shape s = new Shape();
        s.w = new FloatArray(rows * cols);
        s.x = new FloatArray(tokens * cols);
        s.y = new FloatArray(tokens * rows);
        String name = "mm" + (counter++);
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, s.w, s.x)
                .task("t", MatVecKernels::matmulF32, new KernelContext(), s.w, s.x, s.y, rows, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, s.y);
        WorkerGrid1D g = new WorkerGrid1D(tokens * rows * MatVecKernels.LOCAL);
        g.setLocalWork(MatVecKernels.LOCAL, 1, 1);
        s.plan = new TornadoExecutionPlan(tg.snapshot()).withGridScheduler(new GridScheduler(name + ".t", g)).withDevice(device);
        return s;
    }
}
