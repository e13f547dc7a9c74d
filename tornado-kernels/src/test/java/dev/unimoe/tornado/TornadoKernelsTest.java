package dev.unimoe.tornado;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.F32Tensor;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code TornadoBackend.kernels()} matrix products (projectors, the Whisper aligner) on the device
 * vs the CPU kernels, tolerance 1e-4: float32 sums of 96 terms in another order. Q8_0/Q4_0 weights
 * are compared with the CPU product of their dequantized values: the device multiplies float
 * activations by the exact weights, where the CPU quantizes activations to 8 bits as llama.cpp.
 */
class TornadoKernelsTest {
    private static final int ROWS = 48, COLS = 96;

    @Test
    void residentMatricesMatchTheCpuAsTheirRowCountsGrow() {
        TornadoKernels k = (TornadoKernels) new TornadoBackend().kernels();
        assertEquals("tornado", k.name());
        Random r = new Random(9);
        int resident = 0;
        for (DType t : new DType[]{DType.F32, DType.F16, DType.Q8_0, DType.Q4_0}) {
            Matrix m = nativeMatrix(t, KernelHarness.random(r, ROWS * COLS, 0.5f));
            Matrix ref = t == DType.Q8_0 || t == DType.Q4_0 ? Matrix.of(F32Tensor.wrap(m.tensor().toFloatArray()), ROWS, COLS) : m;
            for (int tokens : new int[]{1, 3, 70, 2}) {   // capacity 1, rebuilt for 4, then 128; 2 fits
                float[] x = KernelHarness.random(r, tokens * COLS, 1f), want = new float[tokens * ROWS], got = new float[tokens * ROWS];
                CpuKernels.INSTANCE.matmul(ref, x, tokens, want);
                k.matmul(m, x, tokens, got);
                KernelHarness.assertClose(want, got, 1e-4f, "matmul " + t + " over " + tokens + " rows");
            }
            assertEquals(++resident, k.residentMatrices(), "one resident plan per matrix, whatever the row counts");
        }
    }

    @Test
    void callsLongerThanTheCapacityRunInChunks() {
        Random r = new Random(4);
        Matrix m = nativeMatrix(DType.F16, KernelHarness.random(r, ROWS * COLS, 0.5f));
        try (DeviceLinear d = new DeviceLinear(m, 2, "chunks", TornadoDevices.device(0))) {
            float[] x = KernelHarness.random(r, 5 * COLS, 1f), want = new float[5 * ROWS], got = new float[5 * ROWS];
            CpuKernels.INSTANCE.matmul(m, x, 5, want);
            d.run(x, 5, got);
            KernelHarness.assertClose(want, got, 1e-4f, "5 rows through a plan of 2");
            // three executions, none of whose results the plan holds on to
            assertThrows(RuntimeException.class, () -> d.plan().getPlanResult(0), "the plan keeps no execution results");
        }
        assertEquals(1, DeviceLinear.capacityFor(1, ROWS, COLS));
        assertEquals(4, DeviceLinear.capacityFor(3, ROWS, COLS));
        assertEquals(64, DeviceLinear.capacityFor(64, ROWS, COLS));
        assertEquals(1024, DeviceLinear.capacityFor(5000, ROWS, COLS));
    }

    @Test
    void heapMatricesAreReadAfreshOnEveryCall() {
        TornadoKernels k = (TornadoKernels) new TornadoBackend().kernels();
        Random r = new Random(2);
        float[] values = KernelHarness.random(r, ROWS * COLS, 0.5f);
        Matrix m = Matrix.of(F32Tensor.wrap(values), ROWS, COLS);
        float[] x = KernelHarness.random(r, 2 * COLS, 1f), want = new float[2 * ROWS], got = new float[2 * ROWS];
        k.matmul(m, x, 2, got);
        for (int i = 0; i < values.length; i++) values[i] = -values[i];   // refilled in place, as a KV cache is
        CpuKernels.INSTANCE.matmul(m, x, 2, want);
        k.matmul(m, x, 2, got);
        KernelHarness.assertClose(want, got, 1e-4f, "after the refill");
        assertEquals(0, k.residentMatrices());
    }

    /** A matrix in native memory, as a mapped checkpoint gives. */
    private static Matrix nativeMatrix(DType type, float[] values) {
        Matrix heap = KernelHarness.matrix(type, values, ROWS, COLS);
        MemorySegment src = heap.tensor().data();
        MemorySegment seg = Arena.ofAuto().allocate(src.byteSize(), 8);
        MemorySegment.copy(src, 0, seg, 0, src.byteSize());
        return Matrix.of(Tensor.of(type, seg, values.length), ROWS, COLS);
    }
}
