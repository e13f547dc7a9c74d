package dev.unimoe.kernels;

import dev.unimoe.tensor.DType;
import dev.unimoe.tensor.Matrix;
import dev.unimoe.tensor.Quantizer;
import dev.unimoe.tensor.RowInterleaved;
import dev.unimoe.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link CpuKernels#matmul} for tokens 1..9 and odd row counts against references in double:
 * float formats against Σ w·x over decoded weights; Q8_0/Q4_0 against the quantized-activation
 * reference (x encoded by {@link Quantizer} as Q8_0, integer block dots × d_w·d_x), which is
 * what the kernel computes. Tolerance 1e-5 · Σ|terms| (float32 reordering).
 */
class KernelsCpuTest {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final DType[] FORMATS = {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0};

    static Tensor tensor(DType type, int elements, long seed) {
        Random r = new Random(seed);
        float[] v = new float[elements];
        for (int i = 0; i < elements; i++) v[i] = (float) (r.nextGaussian() * 0.3);
        return Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, v)), elements);
    }

    static float[] activations(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** {value, Σ|terms|} of one output in double. */
    static double[] reference(Matrix w, int row, float[] x, int xOff) {
        Tensor t = w.tensor();
        long off = w.rowOffset(row);
        int n = w.cols();
        double sum = 0, abs = 0;
        if (!t.type().quantized()) {
            for (int i = 0; i < n; i++) {
                double p = (double) t.get(off + i) * x[xOff + i];
                sum += p;
                abs += Math.abs(p);
            }
            return new double[] {sum, abs};
        }
        byte[] xq = Quantizer.quantize(DType.Q8_0, Arrays.copyOfRange(x, xOff, xOff + n));
        MemorySegment xs = MemorySegment.ofArray(xq), ws = t.data();
        int bb = t.type().blockBytes;
        for (int b = 0; b < n / 32; b++) {
            long wo = (off / 32 + b) * bb;
            double d = (double) Float.float16ToFloat(ws.get(LE16, wo)) * Float.float16ToFloat(xs.get(LE16, b * 34L));
            long sumi = 0, sabs = 0;
            for (int j = 0; j < 32; j++) {
                int wq = t.type() == DType.Q8_0
                        ? ws.get(ValueLayout.JAVA_BYTE, wo + 2 + j)
                        : ((j < 16 ? ws.get(ValueLayout.JAVA_BYTE, wo + 2 + j) & 15 : (ws.get(ValueLayout.JAVA_BYTE, wo + 2 + j - 16) & 0xFF) >>> 4) - 8);
                sumi += (long) wq * xq[b * 34 + 2 + j];
                sabs += Math.abs((long) wq * xq[b * 34 + 2 + j]);
            }
            sum += sumi * d;
            abs += sabs * Math.abs(d);
        }
        return new double[] {sum, abs};
    }

    static void check(Matrix w, float[] x, int tokens, float[] out, String what) {
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < w.rows(); r++) {
                double[] ref = reference(w, r, x, t * w.cols());
                float got = out[t * w.rows() + r];
                double tol = 1e-5 * ref[1] + 1e-30;
                if (!(Math.abs(got - ref[0]) <= tol)) {
                    fail(what + " token " + t + " row " + r + ": got " + got + ", reference " + ref[0] + " (tolerance " + tol + ")");
                }
            }
        }
    }

    @Test
    void matmulMatchesReferenceForTokens1To9AndOddRows() {
        for (DType type : FORMATS) {
            int[] colsList = type.quantized() ? new int[] {32, 96, 1024} : new int[] {7, 33, 100, 1024};
            for (int cols : colsList) {
                for (int rows : new int[] {1, 5, 17, 48, 63, 130, 160}) {   // 48, 160: Q8_0/Q4_0 go through their 16-row packed copies
                    Tensor t = tensor(type, rows * cols, rows * 31L + cols);
                    Matrix w = Matrix.of(t, rows, cols);
                    for (int tokens = 1; tokens <= 9; tokens++) {
                        if (cols == 1024 && rows > 17 && tokens > 3 && tokens != 9) continue;   // keep the test quick
                        float[] x = activations(tokens * cols + 3, tokens);
                        float[] out = new float[tokens * rows + 2];
                        out[tokens * rows] = 42f;
                        CpuKernels.INSTANCE.matmul(w, x, tokens, out);
                        check(w, x, tokens, out, type + " " + rows + "x" + cols + " tokens=" + tokens);
                        assertEquals(42f, out[tokens * rows], "wrote past tokens·rows");
                    }
                }
            }
        }
    }

    /** A token's outputs do not depend on how many tokens share the call (bit-identical). */
    @Test
    void resultsDoNotDependOnBatchSize() {
        for (DType type : FORMATS) for (int rows : new int[] {37, 64}) {
            int cols = 256, tokens = 9;
            Matrix w = Matrix.of(tensor(type, rows * cols, 5), rows, cols);
            float[] x = activations(tokens * cols, 6);
            float[] all = new float[tokens * rows];
            CpuKernels.INSTANCE.matmul(w, x, tokens, all);
            for (int t = 0; t < tokens; t++) {
                float[] one = new float[rows];
                CpuKernels.INSTANCE.matmul(w, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, one);
                for (int r = 0; r < rows; r++) assertEquals(one[r], all[t * rows + r], 0f, type + " token " + t + " row " + r);
            }
        }
    }

    /**
     * F16 through the shared split activations of a matmul: plain, huge (past the 2¹¹² scale,
     * so the widened decode path) and a row holding +inf; every output bit-identical to the
     * tensor's own dot, for one token and for a batch.
     */
    @Test
    void f16MatmulEqualsDotOnEveryPath() {
        int rows = 40, cols = 256;
        short[] h = new short[rows * cols];
        Random rnd = new Random(8);
        for (int i = 0; i < h.length; i++) h[i] = Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f);
        h[7 * cols + 100] = 0x7C00;   // +inf in row 7
        Tensor t = Tensor.of(DType.F16, MemorySegment.ofArray(h), h.length);
        Matrix w = Matrix.of(t, rows, cols);
        for (float big : new float[] {0f, 1e6f}) {
            for (int tokens : new int[] {1, 5}) {
                float[] x = activations(tokens * cols, 12 + tokens);
                for (int k = 0; k < tokens * cols; k++) x[k] = Math.abs(x[k]) + 0.01f;   // positive: inf·x is +inf
                if (big > 0) x[3] = big;
                float[] out = new float[tokens * rows];
                CpuKernels.INSTANCE.matmul(w, x, tokens, out);
                for (int tk = 0; tk < tokens; tk++) {
                    for (int r = 0; r < rows; r++) {
                        float want = t.dot((long) r * cols, x, tk * cols, cols);
                        assertEquals(want, out[tk * rows + r], 0f, "big " + big + " tokens " + tokens + " token " + tk + " row " + r);
                    }
                    assertEquals(Float.POSITIVE_INFINITY, out[tk * rows + 7], "the row with +inf");
                }
            }
        }
    }

    /** One expert of a stacked [E, rows, cols] tensor: the view's offset is honoured. */
    @Test
    void expertSliceOfStackedTensor() {
        for (DType type : FORMATS) for (int rows : new int[] {20, 32}) {   // 32: packed, the copy taken from the slice's rows
            int experts = 3, cols = 64;
            Tensor t = tensor(type, experts * rows * cols, 77);
            Matrix stack = new Matrix(t, 0, experts * rows, cols);
            float[] x = activations(2 * cols, 9);
            for (int e = 0; e < experts; e++) {
                Matrix w = stack.slice(e, rows);
                float[] out = new float[2 * rows];
                CpuKernels.INSTANCE.matmul(w, x, 2, out);
                check(w, x, 2, out, type + " expert " + e + " of " + rows + " rows");
            }
        }
    }

    /**
     * Packing within a heap budget: what does not fit stays row by row for good (later calls do
     * not pack it), is counted for the load-time warning, and still multiplies correctly.
     */
    @Test
    void matricesThatDoNotFitTheHeapStayRowByRow() {
        assumeTrue(RowInterleaved.packable(Matrix.of(tensor(DType.Q8_0, 16 * 64, 1), 16, 64)),
                "packing needs the vector kernels");
        Matrix a = Matrix.of(tensor(DType.Q8_0, 32 * 64, 11), 32, 64), b = Matrix.of(tensor(DType.Q4_0, 16 * 64, 12), 16, 64);
        Matrix f = Matrix.of(tensor(DType.F16, 16 * 64, 13), 16, 64);
        long needA = RowInterleaved.packedBytes(a), needB = RowInterleaved.packedBytes(b);
        CpuKernels.Packing p = CpuKernels.INSTANCE.pack(List.of(a, b, f), needA);   // room for a only
        assertEquals(new CpuKernels.Packing(1, needA, 1, needB), p, "F16 is not packable, so neither packed nor left");
        assertNotNull(CpuKernels.packed(a), "a is packed");
        assertNull(CpuKernels.packed(b), "b stays row by row, even now that the heap has room");
        assertEquals(new CpuKernels.Packing(0, 0, 0, 0), CpuKernels.INSTANCE.pack(List.of(a, b), Long.MAX_VALUE), "nothing is tried twice");
        for (Matrix w : new Matrix[] {a, b}) {
            float[] x = activations(64, 3), out = new float[w.rows()];
            CpuKernels.INSTANCE.matmul(w, x, 1, out);
            check(w, x, 1, out, w.tensor().type() + " after packing within a budget");
        }
    }

    @Test
    void rejectsShortArrays() {
        Matrix w = Matrix.of(tensor(DType.F32, 64, 1), 2, 32);
        assertThrows(IllegalArgumentException.class, () -> CpuKernels.INSTANCE.matmul(w, new float[31], 1, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> CpuKernels.INSTANCE.matmul(w, new float[64], 2, new float[3]));
        // quantized weights: the short activation array is reported as such, not by the quantizer
        Matrix q = Matrix.of(tensor(DType.Q8_0, 64, 1), 2, 32);
        assertThrows(IllegalArgumentException.class, () -> CpuKernels.INSTANCE.matmul(q, new float[31], 1, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> CpuKernels.INSTANCE.matmul(q, new float[64], 2, new float[3]));
    }

    // ---- Parallel ----------------------------------------------------------------------------

    @Test
    void parallelForRangeCoversEveryIndexOnce() {
        for (int n : new int[] {1, 2, 3, 17, 1000, 4099}) {
            for (int grain : new int[] {1, 7, 64, 5000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forRange(n, grain, (s, e) -> {
                    for (int i = s; i < e; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "n=" + n + " grain=" + grain + " i=" + i);
            }
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Parallel.forEach(n, seen::incrementAndGet);
            Parallel.forChunks(n, 3, (s, e) -> {
                for (int i = s; i < e; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(2, seen.get(i));
        }
    }

    @Test
    void parallelNestsAndRethrows() {
        AtomicInteger count = new AtomicInteger();
        Parallel.forRange(8, 1, (s, e) -> Parallel.forRange(10, 2, (a, b) -> count.addAndGet(b - a)));
        assertEquals(80, count.get());
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100, 1, (s, e) -> {
            if (s == 57) throw new IllegalStateException("boom");
        }));
        assertEquals("boom", ex.getMessage());
        // the pool still works afterwards
        AtomicInteger after = new AtomicInteger();
        Parallel.forRange(100, 1, (s, e) -> after.addAndGet(e - s));
        assertEquals(100, after.get());
    }

    @Test
    void parallelFromSeveralThreadsAtOnce() throws Exception {
        Thread[] ts = new Thread[4];
        AtomicInteger total = new AtomicInteger();
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new Thread(() -> {
                for (int k = 0; k < 200; k++) Parallel.forRange(64, 4, (s, e) -> total.addAndGet(e - s));
            });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(4 * 200 * 64, total.get());
    }
}
