package dev.unimoe.tornado;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Quantizer;
import dev.unimoe.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs one kernel task on the default TornadoVM device; helpers for random inputs and comparisons. */
final class KernelHarness {
    private static int counter;

    private KernelHarness() {}

    /**
     * One graph: inputs up, the task (id "t") with a 1-D grid, outputs down. Asserts the device
     * profiler saw kernel time (the kernel ran on the OpenCL device, not in Java).
     */
    static void run(int global, int local, Object[] in, Object[] out, Consumer<TaskGraph> task) {
        String name = "k" + (counter++);
        TaskGraph tg = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, in);
        task.accept(tg);
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        WorkerGrid1D g = new WorkerGrid1D(global);
        g.setLocalWork(local, 1, 1);
        try (TornadoExecutionPlan p = new TornadoExecutionPlan(tg.snapshot())) {
            TornadoExecutionResult r = p.withGridScheduler(new GridScheduler(name + ".t", g)).withProfiler(ProfilerMode.SILENT).execute();
            assertTrue(r.getProfilerResult().getDeviceKernelTime() > 0, "no device kernel time: the task did not run on the device");
        } catch (uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    /** A [rows, cols] matrix of the given stored type holding (the rounding of) these values. */
    static Matrix matrix(DType type, float[] values, int rows, int cols) {
        Tensor t;
        if (type == DType.F32) {
            t = dev.unimoe.tensor.F32Tensor.wrap(values);
        } else {
            byte[] b = Quantizer.quantize(type, values);
            MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(b.length, 8);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, seg, 0, b.length);
            t = Tensor.of(type, seg, values.length);
        }
        return Matrix.of(t, rows, cols);
    }

    /** max |a − b| ≤ tol · (1 + |a|) elementwise. */
    static void assertClose(float[] want, float[] got, float tol, String what) {
        float worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            float d = Math.abs(want[i] - got[i]) / (1 + Math.abs(want[i]));
            if (!(d <= worst)) { worst = d; at = i; }
        }
        assertTrue(worst <= tol, what + ": worst relative diff " + worst + " at " + at + " (want " + (at < 0 ? 0 : want[at]) + ", got "
                + (at < 0 ? 0 : got[at]) + ") > " + tol);
    }
}
