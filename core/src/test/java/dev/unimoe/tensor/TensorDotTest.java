package dev.unimoe.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every format's vectorized {@code dot} against a double-precision reference built from the
 * scalar {@code get} decoding. Tolerance: float32 accumulation in a different order than the
 * reference, so |got − ref| ≤ 1e-5 · Σ|w·x| (plus a tiny absolute floor for all-zero cases).
 */
class TensorDotTest {
    static final double REL = 1e-5;
    static final int[] FLOAT_LENGTHS = {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 100, 1000, 1023, 1024, 1025};
    static final int[] FLOAT_OFFSETS = {0, 1, 3, 37};
    static final int[] BLOCK_LENGTHS = {32, 64, 96, 160, 992, 1024, 1056};

    /** Encodes random values (with some zeros and repeats) as {@code type}, padded for offsets. */
    static Tensor tensor(DType type, int elements, long seed) {
        Random r = new Random(seed);
        float[] v = new float[elements];
        for (int i = 0; i < elements; i++) {
            v[i] = switch (r.nextInt(10)) {
                case 0 -> 0f;
                case 1 -> (float) (r.nextGaussian() * 1e-3);
                default -> (float) (r.nextGaussian() * 0.5);
            };
        }
        byte[] bytes = Quantizer.quantize(type, v);
        return Tensor.of(type, MemorySegment.ofArray(bytes), elements);
    }

    static float[] activations(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 2);
        return x;
    }

    static void assertDot(Tensor t, long off, float[] x, int xOff, int n, float got, String what) {
        double ref = 0, abs = 0;
        for (int i = 0; i < n; i++) {
            double p = (double) t.get(off + i) * x[xOff + i];
            ref += p;
            abs += Math.abs(p);
        }
        double tol = REL * abs + 1e-30;
        if (!(Math.abs(got - ref) <= tol)) {
            fail(what + ": got " + got + ", reference " + ref + " (tolerance " + tol + ")");
        }
    }

    @Test
    void floatFormatsMatchReferenceAtAwkwardLengthsAndOffsets() {
        for (DType type : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor t = tensor(type, 1025 + 64, type.ordinal());
            float[] x = activations(1025 + 16, 99);
            for (int n : FLOAT_LENGTHS) {
                for (int off : FLOAT_OFFSETS) {
                    for (int xOff : new int[] {0, 5}) {
                        if (off + n > t.elements() || xOff + n > x.length) continue;
                        assertDot(t, off, x, xOff, n, t.dot(off, x, xOff, n), type + " n=" + n + " off=" + off + " xOff=" + xOff);
                    }
                }
            }
        }
    }

    @Test
    void floatFormatsMultiTokenIsBitIdenticalToDot() {
        for (DType type : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            Tensor t = tensor(type, 1100, 7 + type.ordinal());
            for (int n : new int[] {1, 9, 16, 33, 1000}) {
                int stride = n + 3;
                float[] x = activations(9 * stride, 5);
                for (int tokens = 1; tokens <= 9; tokens++) {
                    float[] out = new float[tokens * 2];
                    switch (t) {
                        case F32Tensor f -> f.dotTokens(11, x, 2, stride, tokens, n, out, 1, 2);
                        case F16Tensor f -> f.dotTokens(11, x, 2, stride, tokens, n, out, 1, 2);
                        case BF16Tensor f -> f.dotTokens(11, x, 2, stride, tokens, n, out, 1, 2);
                        default -> throw new AssertionError();
                    }
                    for (int k = 0; k < tokens; k++) {
                        assertEquals(t.dot(11, x, 2 + k * stride, n), out[1 + 2 * k], 0f, type + " n=" + n + " tokens=" + tokens + " token " + k);
                    }
                }
            }
        }
    }

    /** -Dunimoe.vector=false (the build's scalar-paths run) really switches the vector kernels off. */
    @Test
    void vectorSwitchIsHonoured() {
        if ("false".equalsIgnoreCase(System.getProperty("unimoe.vector"))) assertTrue(!Vec.ENABLED, "unimoe.vector=false leaves the vector kernels on");
        else assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256, Vec.ENABLED);
    }

    /**
     * The decode product of F16 rows equals dot row by row, bit for bit: rows widened in quads
     * (n not a multiple of 16) and rows multiplied in place in pair-split order (16, 64, 1024).
     */
    @Test
    void f16RowsTimesOneActivationIsBitIdenticalToDot() {
        for (int n : new int[] {1, 8, 9, 16, 33, 64, 1000, 1024}) {
            F16Tensor t = (F16Tensor) tensor(DType.F16, 11 + 9 * n, 40 + n);
            float[] x = activations(n + 5, 6);
            for (int rows = 1; rows <= 9; rows++) {
                float[] out = new float[rows + 3];
                java.util.Arrays.fill(out, Float.NaN);
                t.dotRows(11, rows, x, 5, n, out, 2);
                for (int r = 0; r < rows; r++) {
                    assertEquals(t.dot(11 + (long) r * n, x, 5, n), out[2 + r], 0f, "n=" + n + " rows=" + rows + " row " + r);
                }
                assertTrue(Float.isNaN(out[1]) && Float.isNaN(out[2 + rows]), "writes only its own outputs");
            }
        }
        F16Tensor t = (F16Tensor) tensor(DType.F16, 64, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> t.dotRows(0, 3, new float[32], 0, 32, new float[3], 0));
    }

    /**
     * Every f16 bit pattern through the vector kernels, at every lane: exact, and ±inf/NaN kept;
     * by dot (widened) and by the decode product (shifted in place, 2¹¹² scale).
     */
    @Test
    void f16ConversionIsExactForEveryBitPattern() {
        short[] row = new short[32];
        MemorySegment seg = MemorySegment.ofArray(row);
        F16Tensor t = new F16Tensor(seg, 32);
        float[] x = new float[32], out = new float[1];
        for (int h = 0; h < 65536; h++) {
            java.util.Arrays.fill(row, (short) h);
            int lane = h & 31;
            java.util.Arrays.fill(x, 0f);
            x[lane] = 1f;
            float want = Float.float16ToFloat((short) h);
            t.dotRows(0, 1, x, 0, 32, out, 0);
            for (float got : new float[] {t.dot(0, x, 0, 32), out[0]}) {
                if (Float.isNaN(want) || Float.isInfinite(want)) {
                    // 31 other lanes hold the same inf/NaN times 0: IEEE gives NaN, as the reference does
                    assertTrue(Float.isNaN(got), "h=0x" + Integer.toHexString(h) + " got " + got);
                } else if (got != want) {
                    fail("h=0x" + Integer.toHexString(h) + " lane " + lane + ": got " + got + " want " + want);
                }
            }
        }
    }

    /**
     * Activations of 2¹⁶ and more, whose 2¹¹² scaling would overflow, and NaN ones take the
     * widened decode path: still exact, still bit-identical to dot.
     */
    @Test
    void f16DecodeWithHugeActivations() {
        int n = 64, rows = 6;
        F16Tensor t = (F16Tensor) tensor(DType.F16, rows * n, 21);
        for (float big : new float[] {65535f, 65536f, 3e9f, Float.MAX_VALUE}) {
            float[] x = activations(n, 3);
            x[17] = big;
            x[40] = -big / 2;
            float[] out = new float[rows];
            t.dotRows(0, rows, x, 0, n, out, 0);
            for (int r = 0; r < rows; r++) {
                float d = t.dot((long) r * n, x, 0, n);
                assertEquals(d, out[r], 0f, "x " + big + " row " + r);
                if (big < 1e30f) assertDot(t, (long) r * n, x, 0, n, out[r], "x " + big + " row " + r);
            }
        }
        float[] x = activations(n, 4);
        x[5] = Float.NaN;
        float[] out = new float[rows];
        t.dotRows(0, rows, x, 0, n, out, 0);
        for (int r = 0; r < rows; r++) assertTrue(Float.isNaN(out[r]), "NaN activation, row " + r);
    }

    @Test
    void f16SpecialValues() {
        short[] specials = {
            0x0001, (short) 0x8001, 0x03FF, (short) 0x83FF,    // smallest and largest subnormals
            0x0400, (short) 0x8400,                             // smallest normal
            0x7BFF, (short) 0xFBFF,                             // ±65504
            0x0000, (short) 0x8000, 0x3C00, (short) 0xBC00,     // ±0, ±1
        };
        for (int n : new int[] {16, 24, 37, 64}) {
            short[] row = new short[n];
            for (int i = 0; i < n; i++) row[i] = specials[i % specials.length];
            F16Tensor t = new F16Tensor(MemorySegment.ofArray(row), n);
            float[] x = activations(n, n);
            assertDot(t, 0, x, 0, n, t.dot(0, x, 0, n), "f16 specials n=" + n);
            // one infinity anywhere in the row makes the product infinite (x positive)
            java.util.Arrays.fill(x, 1f);
            for (int pos : new int[] {0, 7, 15, n - 1}) {
                short keep = row[pos];
                float[] out = new float[1];
                row[pos] = 0x7C00;
                assertEquals(Float.POSITIVE_INFINITY, t.dot(0, x, 0, n), "inf at " + pos + " n=" + n);
                t.dotRows(0, 1, x, 0, n, out, 0);
                assertEquals(Float.POSITIVE_INFINITY, out[0], "decode, inf at " + pos + " n=" + n);
                row[pos] = (short) 0xFC00;
                assertEquals(Float.NEGATIVE_INFINITY, t.dot(0, x, 0, n), "-inf at " + pos + " n=" + n);
                t.dotRows(0, 1, x, 0, n, out, 0);
                assertEquals(Float.NEGATIVE_INFINITY, out[0], "decode, -inf at " + pos + " n=" + n);
                row[pos] = 0x7E00;
                assertTrue(Float.isNaN(t.dot(0, x, 0, n)), "NaN at " + pos + " n=" + n);
                t.dotRows(0, 1, x, 0, n, out, 0);
                assertTrue(Float.isNaN(out[0]), "decode, NaN at " + pos + " n=" + n);
                row[pos] = keep;
            }
        }
    }

    @Test
    void bf16KeepsInfinityAndNaN() {
        short[] row = new short[40];
        java.util.Arrays.fill(row, (short) 0x3F80);   // 1.0
        BF16Tensor t = new BF16Tensor(MemorySegment.ofArray(row), 40);
        float[] x = new float[40];
        java.util.Arrays.fill(x, 1f);
        assertEquals(40f, t.dot(0, x, 0, 40));
        row[9] = (short) 0x7F80;
        assertEquals(Float.POSITIVE_INFINITY, t.dot(0, x, 0, 40));
        row[9] = (short) 0x7FC0;
        assertTrue(Float.isNaN(t.dot(0, x, 0, 40)));
    }

    @Test
    void blockFormatsFloatActivationsMatchReference() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor t = tensor(type, 1056 + 128, 11 + type.ordinal());
            float[] x = activations(1056 + 40, 3);
            for (int n : BLOCK_LENGTHS) {
                for (int off : new int[] {0, 32, 128}) {
                    for (int xOff : new int[] {0, 7}) {
                        assertDot(t, off, x, xOff, n, t.dot(off, x, xOff, n), type + " n=" + n + " off=" + off + " xOff=" + xOff);
                    }
                }
            }
            // a length that is not whole blocks still works (scalar tail)
            assertDot(t, 32, x, 1, 45, t.dot(32, x, 1, 45), type + " n=45");
        }
    }

    // ---- quantized activations -------------------------------------------------------------

    /** Q8Activations quantizes exactly as Quantizer encodes Q8_0 (q and the f16-rounded d). */
    @Test
    void activationQuantizationMatchesQuantizer() {
        Random r = new Random(17);
        int cols = 256, rows = 3;
        float[] x = new float[rows * cols + 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(5) - 2));
        for (int j = 0; j < 32; j++) x[5 + 32 + j] = 0f;                     // an all-zero block
        for (int j = 0; j < 32; j++) x[5 + 64 + j] = (j % 2 == 0 ? 1 : -1) * (j * 4 + 0.5f);   // ties: amax 124.5
        x[5 + 64 + 31] = -127f;                                              // amax 127 → d = 1: x.5 ties
        for (boolean forQ4 : new boolean[] {false, true}) {
            Q8Activations a = new Q8Activations().quantize(x, 5, rows, cols, forQ4);
            byte[] want = new byte[(int) DType.Q8_0.bytesFor(rows * cols)];
            Quantizer.quantize(DType.Q8_0, x, 5, rows * cols, MemorySegment.ofArray(want), 0);
            MemorySegment w = MemorySegment.ofArray(want);
            for (int b = 0; b < rows * cols / 32; b++) {
                float d = Float.float16ToFloat(w.get(Q8_0Tensor.LE16, b * 34L));
                assertEquals(d, a.scale(b), 0f, "scale of block " + b);
                for (int j = 0; j < 32; j++) {
                    assertEquals(want[b * 34 + 2 + j], a.quant(b * 32 + j), "quant " + j + " of block " + b + " forQ4=" + forQ4);
                }
            }
        }
    }

    /** The ggml-style reference: Quantizer's Q8_0 bytes for x, then per block Σ int·int × d_w·d_x. */
    static double[] quantizedReference(Tensor t, long off, float[] x, int xOff, int n) {
        byte[] xq = new byte[(int) DType.Q8_0.bytesFor(n)];
        Quantizer.quantize(DType.Q8_0, x, xOff, n, MemorySegment.ofArray(xq), 0);
        MemorySegment xs = MemorySegment.ofArray(xq);
        MemorySegment ws = t.data();
        int bb = t.type().blockBytes;
        double sum = 0, abs = 0;
        for (int b = 0; b < n / 32; b++) {
            long wo = (off / 32 + b) * bb;
            float dw = Float.float16ToFloat(ws.get(Q8_0Tensor.LE16, wo));
            float dx = Float.float16ToFloat(xs.get(Q8_0Tensor.LE16, b * 34L));
            long sumi = 0, sabs = 0;
            for (int j = 0; j < 32; j++) {
                int wq;
                if (t.type() == DType.Q8_0) {
                    wq = ws.get(java.lang.foreign.ValueLayout.JAVA_BYTE, wo + 2 + j);
                } else {
                    int byt = ws.get(java.lang.foreign.ValueLayout.JAVA_BYTE, wo + 2 + (j & 15)) & 0xFF;
                    wq = (j < 16 ? byt & 15 : byt >>> 4) - 8;
                }
                int xqj = xq[b * 34 + 2 + j];
                sumi += (long) wq * xqj;
                sabs += Math.abs((long) wq * xqj);
            }
            double d = (double) dw * dx;
            sum += sumi * d;
            abs += sabs * Math.abs(d);
        }
        return new double[] {sum, abs};
    }

    @Test
    void quantizedActivationPathMatchesIntegerReference() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor t = tensor(type, 1056 + 128, 21 + type.ordinal());
            for (int n : BLOCK_LENGTHS) {
                float[] x = activations(n + 64, n);
                for (int xOff : new int[] {0, 32}) {
                    Q8Activations a = new Q8Activations().quantize(x, xOff, 1, n, type == DType.Q4_0);
                    for (int off : new int[] {0, 32, 128}) {
                        double[] ref = quantizedReference(t, off, x, xOff, n);
                        float got = type == DType.Q8_0 ? ((Q8_0Tensor) t).dot(off, a, 0, n) : ((Q4_0Tensor) t).dot(off, a, 0, n);
                        double tol = REL * ref[1] + 1e-30;
                        if (!(Math.abs(got - ref[0]) <= tol)) {
                            fail(type + " n=" + n + " off=" + off + " xOff=" + xOff + ": got " + got + ", reference " + ref[0] + " tol " + tol);
                        }
                    }
                }
            }
        }
    }

    /** Extreme quants: Q8_0 weights of ±127/−128 against activations of ±127 never overflow 16-bit lanes. */
    @Test
    void quantizedPathExtremes() {
        int n = 96;
        byte[] w = new byte[(int) DType.Q8_0.bytesFor(n)];
        MemorySegment ws = MemorySegment.ofArray(w);
        for (int b = 0; b < 3; b++) {
            ws.set(Q8_0Tensor.LE16, b * 34L, Float.floatToFloat16(1f));
            for (int j = 0; j < 32; j++) w[b * 34 + 2 + j] = (byte) (b == 0 ? -128 : b == 1 ? 127 : (j % 2 == 0 ? -128 : 127));
        }
        Q8_0Tensor t = new Q8_0Tensor(ws, n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i % 3 == 0 ? -127f : 127f;
        for (int i = 0; i < 32; i++) x[i] = -127f;
        Q8Activations a = new Q8Activations().quantize(x, 0, 1, n, false);
        double[] ref = quantizedReference(t, 0, x, 0, n);
        assertEquals(ref[0], t.dot(0, a, 0, n), REL * ref[1]);
        assertEquals(32 * 128 * 127, ref[0] - quantizedReference(t, 32, x, 32, 64)[0], 1e-6);

        // Q4_0: all nibbles 0 (−8) and 15 (+7) against ±127
        byte[] w4 = new byte[(int) DType.Q4_0.bytesFor(n)];
        MemorySegment w4s = MemorySegment.ofArray(w4);
        for (int b = 0; b < 3; b++) {
            w4s.set(Q8_0Tensor.LE16, b * 18L, Float.floatToFloat16(0.5f));
            for (int j = 0; j < 16; j++) w4[b * 18 + 2 + j] = (byte) (b == 0 ? 0x00 : b == 1 ? 0xFF : 0x0F);
        }
        Q4_0Tensor t4 = new Q4_0Tensor(w4s, n);
        Q8Activations a4 = new Q8Activations().quantize(x, 0, 1, n, true);
        double[] ref4 = quantizedReference(t4, 0, x, 0, n);
        assertEquals(ref4[0], t4.dot(0, a4, 0, n), REL * ref4[1]);
    }

    @Test
    void quantizedMultiRowMultiTokenIsBitIdenticalToDot() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
            int cols = 160;
            Tensor t = tensor(type, cols * 4, 31);
            float[] x = activations(9 * cols, 8);
            Q8Activations a = new Q8Activations().quantize(x, 0, 9, cols, type == DType.Q4_0);
            for (int rows = 1; rows <= 3; rows++) {   // weight rows 1 .. rows, results of row r at 2 + r + 3·token
                for (int t0 = 0; t0 < 3; t0++) {
                    for (int tokens = 1; tokens + t0 <= 9; tokens++) {
                        float[] out = new float[tokens * 3 + rows];
                        if (t instanceof Q8_0Tensor q) q.dotTokens(cols, rows, a, t0, tokens, out, 2, 3);
                        else ((Q4_0Tensor) t).dotTokens(cols, rows, a, t0, tokens, out, 2, 3);
                        for (int r = 0; r < rows; r++) {
                            long w = (long) (1 + r) * cols;
                            for (int k = 0; k < tokens; k++) {
                                float one = t instanceof Q8_0Tensor q ? q.dot(w, a, (t0 + k) * cols, cols) : ((Q4_0Tensor) t).dot(w, a, (t0 + k) * cols, cols);
                                assertEquals(one, out[2 + r + 3 * k], 0f, type + " rows=" + rows + " tokens=" + tokens + " row " + r + " token " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void quantizedPathRejectsWrongLayoutAndPartialBlocks() {
        Q8_0Tensor t = (Q8_0Tensor) tensor(DType.Q8_0, 64, 1);
        Q8Activations a4 = new Q8Activations().quantize(activations(64, 1), 0, 1, 64, true);
        try {
            t.dot(0, a4, 0, 64);
            fail("Q4 layout accepted by Q8_0");
        } catch (IllegalArgumentException expected) {
            // fine
        }
        Q8Activations a8 = new Q8Activations().quantize(activations(64, 1), 0, 1, 64, false);
        try {
            t.dot(16, a8, 0, 32);
            fail("partial block accepted");
        } catch (IllegalArgumentException expected) {
            // fine
        }
    }

    @Test
    void littleEndianLayoutsAreUsed() {
        // a big-endian reading would turn 1.0 (0x3C00) into 0x003C, a subnormal
        byte[] b = new byte[32];
        for (int i = 0; i < 16; i++) { b[2 * i] = 0x00; b[2 * i + 1] = 0x3C; }
        F16Tensor t = new F16Tensor(MemorySegment.ofArray(b), 16);
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 1f);
        assertEquals(16f, t.dot(0, ones, 0, 16));
        assertEquals(ByteOrder.LITTLE_ENDIAN, Vec.LE);
    }
}
