package dev.unimoe.tornado;

import dev.unimoe.kernels.CpuKernels;
import dev.unimoe.kernels.Kernels;
import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code TornadoBackend.kernels()} (encoder matmul) on the device vs the CPU kernels. */
class TornadoKernelsTest {
    @Test
    void matmulMatchesCpu() {
        Kernels k = new TornadoBackend().kernels();
        assertEquals("tornado", k.name());
        Random r = new Random(9);
        int rows = 48, cols = 96, tokens = 3;
        for (DType t : new DType[]{DType.F32, DType.F16}) {
            Matrix m = KernelHarness.matrix(t, KernelHarness.random(r, rows * cols, 0.5f), rows, cols);
            float[] x = KernelHarness.random(r, tokens * cols, 1f), want = new float[tokens * rows], got = new float[tokens * rows];
            CpuKernels.INSTANCE.matmul(m, x, tokens, want);
            k.matmul(m, x, tokens, got);
            KernelHarness.assertClose(want, got, 1e-4f, "matmul " + t);
            k.matmul(m, x, tokens, got);                                   // second call reuses the compiled shape
            KernelHarness.assertClose(want, got, 1e-4f, "matmul again " + t);
        }
    }
}
