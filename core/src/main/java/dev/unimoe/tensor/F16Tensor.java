package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * IEEE half-precision values. A product widens the row straight from the segment into a
 * per-thread float[] with a plain {@code Float.float16ToFloat} loop, which C2 auto-vectorizes to
 * {@code vcvtph2ps} (F16C): exact for every value (subnormals, ±inf, NaN). (Copying the halves
 * to a short[] first, as an earlier version did, cost 10% more CPU per decoded row.) A bit-manipulation conversion in the Vector API was
 * measured and rejected: its float32-subnormal intermediate (half subnormals, about 0.3% of
 * typical weights) hits a microcode assist on multiplication that halved throughput. The float
 * row then goes through the {@link F32Tensor} kernels (same order of operations, so a batch
 * computes what single tokens compute). Weights are never expanded in memory beyond one row.
 */
public final class F16Tensor extends Tensor {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public F16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.F16; }

    @Override public float get(long index) { return Float.float16ToFloat(data.get(LE16, index * 2)); }

    @Override
    public void dequantize(long offset, float[] dst, int dstOff, int n) {
        Objects.checkFromIndexSize(dstOff, n, dst.length);
        widen(data, offset * 2, dst, dstOff, n);
    }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        float[] w = row(offset, n);
        return Vec.ENABLED ? F32Tensor.dot1(w, x, xOff, n) : F32Tensor.dotScalar(w, x, xOff, n);
    }

    /**
     * Dot products of the {@code n} values at {@code offset} with {@code tokens} activation rows,
     * row t at {@code x[xOff + t·xStride]}, into {@code out[outOff + t·outStride]}: the row is
     * converted once; every result is bit-identical to {@link #dot}.
     */
    public void dotTokens(long offset, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (tokens <= 0) return;
        if (n <= 0) {
            for (int t = 0; t < tokens; t++) out[outOff + t * outStride] = 0f;
            return;
        }
        Objects.checkFromIndexSize(xOff, (long) (tokens - 1) * xStride + n, x.length);
        Objects.checkIndex(outOff + (long) (tokens - 1) * outStride, out.length);
        F32Tensor.dotTokens(row(offset, n), x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /**
     * Rows [0, rows) of {@code n} values from {@code offset} · one activation row at {@code x[xOff]},
     * row r's result into {@code out[outOff + r]} (the decode product): four rows are widened in
     * one pass and dotted together by {@link F32Tensor#rows4}; bit-identical to {@link #dot}.
     */
    public void dotRows(long offset, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        if (rows <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(outOff, rows, out.length);
        int r = 0;
        if (Vec.ENABLED && n > 0) {
            float[] w = Scratch.floats(4 * n);
            for (; r + 4 <= rows; r += 4) {
                widen(data, (offset + (long) r * n) * 2, w, 0, 4 * n);
                F32Tensor.rows4(w, n, x, xOff, out, outOff + r, 1);
            }
        }
        for (; r < rows; r++) out[outOff + r] = dot(offset + (long) r * n, x, xOff, n);
    }

    /** Values [offset, offset+n) as floats in this thread's scratch row. */
    private float[] row(long offset, int n) {
        float[] w = Scratch.floats(n);
        widen(data, offset * 2, w, 0, n);
        return w;
    }

    /** Kept as a separate small loop over a slice: the shape C2's auto-vectorizer turns into vcvtph2ps. */
    static void widen(MemorySegment src, long byteOffset, float[] f, int fOff, int n) {
        MemorySegment h = src.asSlice(byteOffset, 2L * n);
        for (int i = 0; i < n; i++) f[fOff + i] = Float.float16ToFloat(h.getAtIndex(LE16, i));
    }
}
