package dev.unimoe.tornado;

import dev.unimoe.tensor.Matrix;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One weight matrix resident on the device with its own plan: Y[t] = W·X[t] for up to
 * {@code capacity} rows per execution. W goes up once ({@code FIRST_EXECUTION}) in its
 * {@link DeviceMatrix} layout and is read by the decoder's row kernels ({@code linearF32/F16/Q8},
 * one work-group per output value); per execution only X and the live row count go up and Y
 * comes down. A call with more rows than the capacity runs in chunks of it.
 */
final class DeviceLinear implements AutoCloseable {
    /** Rows per execution at most, and the bytes X and Y may take together. */
    private static final int MAX_CAPACITY = 1024;
    private static final long MAX_IO_BYTES = 64L << 20;

    final int rows, cols, capacity;
    private final long deviceBytes;
    private final DeviceMatrix w;
    private final FloatArray x, y;
    private final IntArray pos;        // [0] unused (the decoder's position slot), [1] live rows
    private final TornadoExecutionPlan plan;

    DeviceLinear(Matrix m, int capacity, String name, TornadoDevice device) {
        this.rows = m.rows();
        this.cols = m.cols();
        this.capacity = capacity;
        this.deviceBytes = deviceBytes(m, capacity);
        w = DeviceMatrix.of(m);
        x = new FloatArray(capacity * cols);
        y = new FloatArray(capacity * rows);
        pos = new IntArray(2);
        TaskGraph tg = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w.arrays())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, pos);
        switch (w.format) {
            case F32 -> tg.task("t", MatVecKernels::linearF32, new KernelContext(), w.f32, x, y, pos, rows, cols, 0);
            case F16 -> tg.task("t", MatVecKernels::linearF16, new KernelContext(), w.f16, x, y, pos, rows, cols, 0);
            case Q8 -> tg.task("t", MatVecKernels::linearQ8, new KernelContext(), w.quants, w.scales, x, y, pos, rows, cols, 0);
        }
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        WorkerGrid1D g = new WorkerGrid1D(capacity * rows * MatVecKernels.LOCAL);
        g.setLocalWork(MatVecKernels.LOCAL, 1, 1);
        plan = new TornadoExecutionPlan(tg.snapshot()).withGridScheduler(new GridScheduler(name + ".t", g)).withDevice(device);
    }

    /**
     * Rows per execution for a first call of {@code tokens} rows: the next power of two (so a
     * growing caller rebuilds the plan only a few times), within MAX_CAPACITY and MAX_IO_BYTES.
     */
    static int capacityFor(int tokens, int rows, int cols) {
        int c = tokens <= 1 ? 1 : Integer.highestOneBit(tokens - 1) << 1;
        int byBytes = (int) Math.max(1, MAX_IO_BYTES / (4L * (rows + cols)));
        return Math.max(1, Math.min(c, Math.min(MAX_CAPACITY, byBytes)));
    }

    /** Device bytes of a resident m with room for {@code capacity} rows (weights, X, Y). */
    static long deviceBytes(Matrix m, int capacity) {
        return DeviceMatrix.deviceBytes(m) + 4L * capacity * (m.rows() + m.cols()) + 8;
    }

    long deviceBytes() { return deviceBytes; }

    /** out[t·rows + r] = W[r]·x[t·cols ..] for t &lt; tokens. */
    void run(float[] in, int tokens, float[] out) {
        MemorySegment xs = x.getSegment(), ys = y.getSegment();
        for (int t0 = 0; t0 < tokens; t0 += capacity) {
            int n = Math.min(capacity, tokens - t0);
            MemorySegment.copy(in, t0 * cols, xs, ValueLayout.JAVA_FLOAT, 0, n * cols);
            pos.set(1, n);
            Plans.execute(plan, 0);
            MemorySegment.copy(ys, ValueLayout.JAVA_FLOAT, 0, out, t0 * rows, n * rows);
        }
    }

    /** The plan (tests check it keeps no execution results). */
    TornadoExecutionPlan plan() { return plan; }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a resident matrix's TornadoVM plan failed: " + e.getMessage(), e);
        }
    }
}
