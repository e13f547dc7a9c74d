package dev.unimoe.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The 16-row interleaved Q8_0/Q4_0/Q4_K/Q6_K copies: every stored value as in the source (Q4_K to
 * float rounding, its value being rebuilt as s·(q − 8) + (8·s − m)), products equal to ggml's
 * quantized-activation product (Σ over blocks of d_x·Σ value·q_x, checked in double to 1e-5 of
 * Σ|terms|), the 16-bit lanes not overflowing at the extremes of each format, rows cut from a
 * group, and results that do not depend on the batch.
 */
class RowInterleavedTest {
    static final DType[] TYPES = {DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K};

    static float[] gaussian(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    /** A matrix of {@code rows × cols} at an offset of {@code skipRows} rows into its tensor (an expert slice). */
    static Matrix matrix(DType type, int skipRows, int rows, int cols, float[] values) {
        Tensor t = Tensor.of(type, MemorySegment.ofArray(Quantizer.quantize(type, values)), values.length);
        return new Matrix(t, (long) skipRows * cols, rows, cols);
    }

    /** {value, Σ|terms|} of row r · token t: Σ_b d_x·Σ_j value_j·q_x,j over the source's values, in double. */
    static double[] reference(Matrix m, int r, Q8Activations x, int t) {
        int cols = m.cols();
        double sum = 0, abs = 0;
        for (int b = 0; b < cols / 32; b++) {
            double dx = x.scale(t * (cols / 32) + b), bs = 0, ba = 0;
            for (int j = 0; j < 32; j++) {
                double p = (double) m.tensor().get(m.rowOffset(r) + b * 32 + j) * x.quant(t * cols + b * 32 + j);
                bs += p;
                ba += Math.abs(p);
            }
            sum += bs * dx;
            abs += ba * Math.abs(dx);
        }
        return new double[]{sum, abs};
    }

    @Test
    void packedValuesEqualTheSource() {
        assumeTrue(Vec.ENABLED, "packing needs the vector kernels");
        for (DType type : TYPES) {
            int rows = 48, cols = 512;
            Matrix m = matrix(type, 16, rows, cols, gaussian((rows + 32) * cols, 1, 0.5));
            RowInterleaved p = RowInterleaved.pack(m);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float want = m.tensor().get(m.rowOffset(r) + c);
                    assertEquals(want, p.get(r, c), type == DType.Q4_K ? 1e-6f * (1 + Math.abs(want)) : 0f, type + " (" + r + ", " + c + ")");
                }
            }
        }
    }

    @Test
    void productsMatchTheQuantizedReference() {
        assumeTrue(Vec.ENABLED, "packing needs the vector kernels");
        for (DType type : TYPES) {
            for (int cols : type.blockSize == 256 ? new int[]{256, 1024} : new int[]{32, 256, 1024}) {
                int rows = 64, tokens = 5;
                Matrix m = matrix(type, 16, rows, cols, gaussian((rows + 16) * cols, cols, 0.2));
                Q8Activations x = new Q8Activations().quantize(gaussian(tokens * cols, 7, 1.0), 0, tokens, cols, false);
                float[] out = new float[tokens * rows];
                RowInterleaved.pack(m).dotTokens(0, rows, x, 0, tokens, out, 0, rows);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        double[] ref = reference(m, r, x, t);
                        assertEquals(ref[0], out[t * rows + r], 1e-5 * ref[1] + 1e-30, type + " cols " + cols + " row " + r + " token " + t);
                    }
                }
            }
        }
    }

    /** The largest sums each format can make: 2·128·127 per 16-bit lane for Q8_0, 32·8·127 per block for Q4_0/Q4_K (Q6_K: 2·32·127). */
    @Test
    void extremeValuesDoNotOverflowTheLanes() {
        assumeTrue(Vec.ENABLED, "packing needs the vector kernels");
        int rows = 16, cols = 256;
        for (DType type : TYPES) {
            for (float sign : new float[]{1f, -1f}) {
                float[] w = new float[rows * cols];
                // Q8_0: -128 is what a block holds when its largest magnitude is negative and rounds past -127
                // (written directly below); Q4_0: q = 0 is the value -8, at the block's most negative entry;
                // Q4_K: all quants 0 or 15 (q − 8 = −8 or 7) in the sub-blocks set below
                Arrays.fill(w, -1f);
                if (type == DType.Q4_K) for (int i = 0; i < w.length; i++) w[i] = (i / 32) % 2 == 0 ? -1f : 1f;
                Matrix m = matrix(type, 0, rows, cols, w);
                if (type == DType.Q8_0) {
                    MemorySegment s = m.tensor().data();
                    for (long b = 0; b < (long) rows * cols / 32; b++) {
                        for (int j = 0; j < 32; j++) s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b * 34 + 2 + j, (byte) -128);
                    }
                }
                // every activation quant = ±127, the sign alternating over the tokens: one token at a
                // time takes the 16-bit kernels, the batch of 21 the float one (exact below 2^24)
                int tokens = 21;
                float[] xs = new float[tokens * cols];
                for (int t = 0; t < tokens; t++) Arrays.fill(xs, t * cols, (t + 1) * cols, t % 2 == 0 ? sign : -sign);
                Q8Activations x = new Q8Activations().quantize(xs, 0, tokens, cols, false);
                RowInterleaved p = RowInterleaved.pack(m);
                float[] batch = new float[tokens * rows];
                p.dotTokens(0, rows, x, 0, tokens, batch, 0, rows);
                for (int t = 0; t < tokens; t++) {
                    float[] out = new float[rows];
                    p.dotTokens(0, rows, x, t, 1, out, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        double[] ref = reference(m, r, x, t);
                        assertEquals(ref[0], out[r], 1e-6 * ref[1], type + " sign " + sign + " token " + t + " row " + r);
                        assertTrue(Math.abs(out[r]) > 0, type + " row " + r + " is not zero");
                        assertEquals(Float.floatToRawIntBits(out[r]), Float.floatToRawIntBits(batch[t * rows + r]), type + " batch, token " + t + " row " + r);
                    }
                }
            }
        }
    }

    @Test
    void rowsCutFromAGroupAndBatchesGiveTheSameBits() {
        assumeTrue(Vec.ENABLED, "packing needs the vector kernels");
        for (DType type : TYPES) {
            int rows = 48, cols = 256, tokens = 23;      // past every format's float-path threshold: tiles of four and a remainder
            Matrix m = matrix(type, 0, rows, cols, gaussian(rows * cols, 3, 0.3));
            RowInterleaved p = RowInterleaved.pack(m);
            Q8Activations x = new Q8Activations().quantize(gaussian(tokens * cols, 5, 1.0), 0, tokens, cols, false);
            float[] all = new float[tokens * rows];
            p.dotTokens(0, rows, x, 0, tokens, all, 0, rows);
            for (int t = 0; t < tokens; t++) {                // one token at a time
                float[] one = new float[rows];
                p.dotTokens(0, rows, x, t, 1, one, 0, rows);
                for (int r = 0; r < rows; r++) assertEquals(Float.floatToRawIntBits(all[t * rows + r]), Float.floatToRawIntBits(one[r]), type + " token " + t + " row " + r);
            }
            for (int g = 0; g < rows / 16; g++) {               // a group alone, and paired with another in the full range
                float[] alone = new float[tokens * rows];
                p.dotTokens(16 * g, 16 * g + 16, x, 0, tokens, alone, 0, rows);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 16 * g; r < 16 * g + 16; r++) {
                        assertEquals(Float.floatToRawIntBits(all[t * rows + r]), Float.floatToRawIntBits(alone[t * rows + r]), type + " group " + g + " alone, token " + t + " row " + r);
                    }
                }
            }
            float[] cut = new float[tokens * rows];
            Arrays.fill(cut, Float.NaN);
            p.dotTokens(5, 37, x, 0, tokens, cut, 0, rows);     // starts and ends inside a group
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    float got = cut[t * rows + r];
                    if (r < 5 || r >= 37) assertTrue(Float.isNaN(got), type + " row " + r + " outside the range was written");
                    else assertEquals(Float.floatToRawIntBits(all[t * rows + r]), Float.floatToRawIntBits(got), type + " token " + t + " row " + r);
                }
            }
        }
    }

    /**
     * A Q6_K super-block whose scale d is NaN (a damaged file) cannot be held by the packed copy
     * (its quants are read back from the expansion): pack gives null, and the kernels keep the
     * matrix row by row, NaN in that row only, no exception.
     */
    @Test
    void q6kWithANonFiniteScaleStaysRowByRow() {
        assumeTrue(Vec.ENABLED, "packing needs the vector kernels");
        int rows = 16, cols = 256;
        byte[] bytes = Quantizer.quantize(DType.Q6_K, gaussian(rows * cols, 4, 0.3));
        int damaged = 3;
        long d = (long) damaged * Q6_KTensor.BYTES + 208;                 // row 3's only super-block: its f16 d
        bytes[(int) d] = 0x00;
        bytes[(int) d + 1] = 0x7E;                                        // 0x7E00: NaN
        Tensor t = Tensor.of(DType.Q6_K, MemorySegment.ofArray(bytes), (long) rows * cols);
        Matrix m = new Matrix(t, 0, rows, cols);
        assertTrue(RowInterleaved.packable(m));
        assertNull(RowInterleaved.pack(m), "a NaN scale cannot be packed exactly");
        Matrix fresh = new Matrix(Tensor.of(DType.Q6_K, MemorySegment.ofArray(bytes.clone()), (long) rows * cols), 0, rows, cols);
        assertEquals(new dev.unimoe.kernels.CpuKernels.Packing(0, 0, 1, RowInterleaved.packedBytes(fresh)),
                dev.unimoe.kernels.CpuKernels.INSTANCE.pack(java.util.List.of(fresh)), "counted as left row by row");
        float[] x = gaussian(cols, 6, 1.0), out = new float[rows];
        dev.unimoe.kernels.CpuKernels.INSTANCE.matmul(m, x, 1, out);
        Q8Activations xq = new Q8Activations().quantize(x, 0, 1, cols, false);
        for (int r = 0; r < rows; r++) {
            if (r == damaged) {
                assertTrue(Float.isNaN(out[r]), "the row with the NaN scale");
            } else {
                double[] ref = reference(m, r, xq, 0);
                assertEquals(ref[0], out[r], 1e-5 * ref[1] + 1e-6, "row " + r);
            }
        }
    }

    @Test
    void whatCannotBePacked() {
        float[] v = gaussian(24 * 64, 9, 0.3);
        assertFalse(RowInterleaved.packable(matrix(DType.Q8_0, 0, 24, 64, v)), "24 rows are not whole groups of 16");
        assertFalse(RowInterleaved.packable(matrix(DType.F16, 0, 16, 64, v)), "F16 stays row by row");
        assertEquals(Vec.ENABLED, RowInterleaved.packable(matrix(DType.Q4_0, 0, 16, 64, v)));
        assertThrows(IllegalArgumentException.class, () -> RowInterleaved.pack(matrix(DType.Q8_0, 0, 24, 64, v)));
        if (Vec.ENABLED) {
            RowInterleaved p = RowInterleaved.pack(matrix(DType.Q8_0, 0, 16, 64, v));
            Q8Activations q4 = new Q8Activations().quantize(gaussian(64, 1, 1), 0, 1, 64, true);
            assertThrows(IllegalArgumentException.class, () -> p.dotTokens(0, 16, q4, 0, 1, new float[16], 0, 16), "Q4_0-layout activations");
            Q8Activations x = new Q8Activations().quantize(gaussian(64, 1, 1), 0, 1, 64, false);
            assertThrows(IndexOutOfBoundsException.class, () -> p.dotTokens(0, 16, x, 0, 1, new float[15], 0, 16), "output too short");
            assertThrows(IndexOutOfBoundsException.class, () -> p.dotTokens(0, 17, x, 0, 1, new float[32], 0, 16), "rows past the matrix");
        }
    }
}
