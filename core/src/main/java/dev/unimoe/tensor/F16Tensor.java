package dev.unimoe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.unimoe.tensor.Vec.F;
import static dev.unimoe.tensor.Vec.I;

/**
 * IEEE half-precision values, read in place from the (memory-mapped) segment.
 *
 * <p>With the vector kernels on and rows a multiple of 16 long, products run in the
 * {@link PairSplit} order. A 256-bit load holds 16 halves as 8 int lanes, {@code lo | hi << 16};
 * {@code (v << 16) >> 3} and {@code v >> 3} (arithmetic) masked to sign and bits 27–13 are the
 * float32 bits of lo and hi times 2⁻¹¹²: the half's exponent and mantissa land in the float's,
 * 112 below their bias, and a half subnormal becomes the float subnormal of the same scaled
 * value. So:
 * <ul>
 * <li>the decode product ({@link #dotRows}) multiplies those scaled weights straight into the
 *     activations times 2¹¹², one pass over the weights with no widened copy. Each product is
 *     w·x exactly, so the sums are bit for bit those of the widened path; that is what lets
 *     decode stream the weights from DRAM at the rate of a plain read (measured 15.7 against
 *     10.6 GB/s per core for widening into a buffer and dotting that);</li>
 * <li>the other products widen a stretch in split order ({@link #widenSplit}: the same bits
 *     times 2¹¹², exact) and run the {@link F32Tensor} kernels on it.</li>
 * </ul>
 * Exponent 31 (±inf, NaN) has no such image; a stretch that holds one is widened, or a decode
 * row recomputed, with {@code Float.float16ToFloat}, so every value stays exact. Activations of
 * magnitude 2¹⁶ or more (or NaN) would overflow the 2¹¹² scale; decode then takes the widened
 * path. The denormal float32 weights cost nothing extra on the FMA (measured).
 *
 * <p>Otherwise (vectors off, or a row length not a multiple of 16) a plain
 * {@code Float.float16ToFloat} loop widens rows in their natural order; C2 turns it into
 * {@code vcvtph2ps}.
 */
public final class F16Tensor extends WidenedTensor {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Sign and the 15 exponent-and-mantissa bits of a half, placed as float32 bits (27–13). */
    private static final int BITS = 0x8FFFE000;
    /** The exponent fields of both halves of a lane, and what carries an all-ones one into the sign bit. */
    private static final int EXPONENTS = 0x7C007C00, CARRY = 0x04000400, SIGNS = 0x80008000;
    static final float UNSCALE = 0x1p112f;
    /** Activations at or above this in magnitude overflow when scaled by {@link #UNSCALE}. */
    static final float MAX_SCALED_X = 0x1p16f;

    public F16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.F16; }

    @Override public float get(long index) { return Float.float16ToFloat(data.get(LE16, index * 2)); }

    @Override
    public void dequantize(long offset, float[] dst, int dstOff, int n) {
        Objects.checkFromIndexSize(dstOff, n, dst.length);
        widen(data, offset * 2, dst, dstOff, n);
    }

    @Override boolean pairSplit(int n) { return PairSplit.applies(n); }

    /** Whether products over rows of n values want their activations as {@link SplitActivations}. */
    public static boolean takesSplitActivations(int n) { return PairSplit.applies(n); }

    @Override
    void widenRow(long offset, int n, float[] w) {
        Objects.checkFromIndexSize(offset, n, elements);
        widen(data, offset * 2, w, 0, n);
    }

    /** Two stretches of n values widened in one loop (two DRAM streams in flight at once). */
    @Override
    void widenRows2(long offA, long offB, int n, float[] fa, float[] fb) {
        Objects.checkFromIndexSize(offA, n, elements);
        Objects.checkFromIndexSize(offB, n, elements);
        MemorySegment a = data.asSlice(offA * 2, 2L * n), b = data.asSlice(offB * 2, 2L * n);
        for (int i = 0; i < n; i++) {
            fa[i] = Float.float16ToFloat(a.getAtIndex(LE16, i));
            fb[i] = Float.float16ToFloat(b.getAtIndex(LE16, i));
        }
    }

    @Override
    void widenSplit(long offset, int n, float[] w) {
        Objects.checkFromIndexSize(offset, n, elements);
        if (n % 16 != 0) throw new IllegalArgumentException("pair-split widening needs a multiple of 16 values, not " + n);
        long b = offset * 2;
        IntVector special = IntVector.zero(I);
        for (int i = 0; i < n; i += 16) {
            IntVector v = IntVector.fromMemorySegment(I, data, b + 2L * i, Vec.LE);
            special = special.or(v.and(EXPONENTS).add(CARRY));
            v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(BITS)
                    .reinterpretAsFloats().mul(UNSCALE).intoArray(w, i);
            v.lanewise(VectorOperators.ASHR, 3).and(BITS).reinterpretAsFloats().mul(UNSCALE).intoArray(w, i + 8);
        }
        if (special.and(SIGNS).compare(VectorOperators.NE, 0).anyTrue()) widenSplitExact(b, n, w);
    }

    /** {@link #widenSplit} through {@code Float.float16ToFloat}: for stretches that hold ±inf or NaN. */
    private void widenSplitExact(long b, int n, float[] w) {
        for (int c = 0; c < n; c += 16) {
            for (int k = 0; k < 8; k++) {
                w[c + k] = Float.float16ToFloat(data.get(LE16, b + 2L * (c + 2 * k)));
                w[c + 8 + k] = Float.float16ToFloat(data.get(LE16, b + 2L * (c + 2 * k + 1)));
            }
        }
    }

    /**
     * The decode product: rows [0, rows) from {@code offset} · x, one pass over each row in
     * place (see the class comment), row by row in address order, a single DRAM stream per
     * thread, which measured faster than quads or two streams here.
     */
    @Override
    public void dotRows(long offset, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        if (rows <= 0 || !pairSplit(n)) {
            super.dotRows(offset, rows, x, xOff, n, out, outOff);
            return;
        }
        Objects.checkFromIndexSize(xOff, n, x.length);
        float[] xs = Scratch.activations(n);
        if (PairSplit.row(x, xOff, n, xs, 0, UNSCALE) < MAX_SCALED_X) scaledRows(offset, rows, xs, n, out, outOff);
        else super.dotRows(offset, rows, x, xOff, n, out, outOff);
    }

    /** {@link #dotRows} of the single row {@code a} holds. */
    public void dotRows(long offset, int rows, SplitActivations a, int n, float[] out, int outOff) {
        a.check(0, 1, n);
        if (a.scaledExact) scaledRows(offset, rows, a.scaled, n, out, outOff);
        else rows1(true, offset, rows, a.values, 0, n, out, outOff);
    }

    /** {@link #dotRowsTokens} of tokens [token0, token0 + tokens) of {@code a}. */
    public void dotRowsTokens(long offset, int rows, SplitActivations a, int token0, int tokens, int n, float[] out, int outOff, int outStride) {
        a.check(token0, tokens, n);
        rowsTokens(true, offset, rows, a.values, token0 * n, n, tokens, n, out, outOff, outStride);
    }

    /** Rows · xs, the split activation row times 2¹¹². */
    private void scaledRows(long offset, int rows, float[] xs, int n, float[] out, int outOff) {
        if (rows <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize(0, n, xs.length);
        Objects.checkFromIndexSize(outOff, rows, out.length);
        for (int r = 0; r < rows; r++) {
            long o = offset + (long) r * n;
            if (!dotScaledRow(o * 2, n, xs, out, outOff + r)) {
                // ±inf/NaN in the row: its exact values, scaled down to match xs (exact, powers of two)
                float[] w = Scratch.floats(n);
                widenSplitExact(o * 2, n, w);
                for (int i = 0; i < n; i++) w[i] *= 0x1p-112f;
                out[outOff + r] = F32Tensor.dot1(w, xs, 0, n);
            }
        }
    }

    /**
     * The row at byte {@code b} · xs (split, times 2¹¹²) into out[o], with the two accumulators
     * of {@link F32Tensor#dot1}; false, writing nothing, when the row holds ±inf or NaN.
     */
    private boolean dotScaledRow(long b, int n, float[] xs, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0;
        IntVector special = IntVector.zero(I);
        for (int i = 0; i < n; i += 16) {
            IntVector v = IntVector.fromMemorySegment(I, data, b + 2L * i, Vec.LE);
            special = special.or(v.and(EXPONENTS).add(CARRY));
            FloatVector even = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(BITS).reinterpretAsFloats();
            FloatVector odd = v.lanewise(VectorOperators.ASHR, 3).and(BITS).reinterpretAsFloats();
            a0 = even.fma(FloatVector.fromArray(F, xs, i), a0);
            b0 = odd.fma(FloatVector.fromArray(F, xs, i + 8), b0);
        }
        if (special.and(SIGNS).compare(VectorOperators.NE, 0).anyTrue()) return false;
        out[o] = Vec.sum(a0.add(b0));
        return true;
    }

    /** Kept as a separate small loop over a slice: the shape C2's auto-vectorizer turns into vcvtph2ps. */
    static void widen(MemorySegment src, long byteOffset, float[] f, int fOff, int n) {
        MemorySegment h = src.asSlice(byteOffset, 2L * n);
        for (int i = 0; i < n; i++) f[fOff + i] = Float.float16ToFloat(h.getAtIndex(LE16, i));
    }
}
