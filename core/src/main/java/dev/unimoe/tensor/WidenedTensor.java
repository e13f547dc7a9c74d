package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Formats whose float-activation products widen a stretch of weights to float32 in a per-thread
 * row and then run the {@link F32Tensor} kernels: F16, and the K-quants' {@link #dot} (the kernels
 * multiply K-quants with 8-bit activations instead, see {@link KQuantTensor}). The decode product
 * (which F16 replaces with a one-pass kernel where it can, see {@link F16Tensor}) widens four rows in one pass, two such quads from the two halves of its range at once
 * ({@link #widenRows2}), and dots them together ({@link F32Tensor#rows4}); a batch runs every
 * token over each widened quad ({@link #dotRowsTokens}). A format may widen into the
 * {@link PairSplit} order ({@link #widenSplit}); the activations are then put into the same order
 * first. Every result is bit-identical to {@link #dot}, for one token or many.
 */
public abstract sealed class WidenedTensor extends Tensor permits F16Tensor, KQuantTensor {
    WidenedTensor(MemorySegment data, long elements) { super(data, elements); }

    /** Values [offset, offset + n) as float32 into w[0, n); checks the range and any block alignment. */
    abstract void widenRow(long offset, int n, float[] w);

    /**
     * Values [offset, offset + n) as float32 in {@link PairSplit} order into w[0, n), n a multiple
     * of 16; for formats that override {@link #pairSplit}.
     */
    void widenSplit(long offset, int n, float[] w) {
        throw new UnsupportedOperationException(type() + " does not widen in pair-split order");
    }

    /** Whether products over rows of n values run in {@link PairSplit} order. */
    boolean pairSplit(int n) { return false; }

    private void widen(boolean split, long offset, int n, float[] w) {
        if (split) widenSplit(offset, n, w);
        else widenRow(offset, n, w);
    }

    /** {@link #widenRow} of two stretches; a format may widen both in one loop. */
    void widenRows2(long offA, long offB, int n, float[] wa, float[] wb) {
        widenRow(offA, n, wa);
        widenRow(offB, n, wb);
    }

    @Override
    public final float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        float[] w = Scratch.floats(n);
        if (pairSplit(n)) {
            widenSplit(offset, n, w);
            return F32Tensor.dot1(w, PairSplit.rows(x, xOff, n, 1, n), 0, n);
        }
        widenRow(offset, n, w);
        return Vec.ENABLED ? F32Tensor.dot1(w, x, xOff, n) : F32Tensor.dotScalar(w, x, xOff, n);
    }

    /**
     * Dot products of the {@code n} values at {@code offset} with {@code tokens} activation rows,
     * row t at {@code x[xOff + t·xStride]}, into {@code out[outOff + t·outStride]}: the row is
     * widened once.
     */
    public final void dotTokens(long offset, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (!tokensToCompute(x, xOff, xStride, tokens, n, out, outOff, outStride)) return;
        boolean split = pairSplit(n);
        if (split) {
            x = PairSplit.rows(x, xOff, xStride, tokens, n);
            xOff = 0;
            xStride = n;
        }
        widenedTokens(split, offset, x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /** {@link #dotTokens} with x already in the order the widened row comes in. */
    private void widenedTokens(boolean split, long offset, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        float[] w = Scratch.floats(n);
        widen(split, offset, n, w);
        F32Tensor.dotTokens(w, x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /**
     * Rows [0, rows) of {@code n} values from {@code offset} · {@code tokens} activation rows (row
     * t at {@code x[xOff + t·xStride]}), row r's result for token t into
     * {@code out[outOff + r + t·outStride]} (the prefill product). Four rows are widened at a time
     * and each token runs over the quad ({@link F32Tensor#rows4}): a token's activations are read
     * once per four rows, where one row against tiles of tokens read them from L2 once per row
     * and waited on that. Bit-identical to {@link #dot} per row and token.
     */
    public final void dotRowsTokens(long offset, int rows, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (rows <= 0 || tokens <= 0) return;
        if (n > 0) Objects.checkFromIndexSize(xOff, (long) (tokens - 1) * xStride + n, x.length);
        boolean split = pairSplit(n);
        if (split) {
            x = PairSplit.rows(x, xOff, xStride, tokens, n);
            xOff = 0;
            xStride = n;
        }
        rowsTokens(split, offset, rows, x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /** {@link #dotRowsTokens} with x already in the order the widened rows come in ({@code split}). */
    final void rowsTokens(boolean split, long offset, int rows, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (rows <= 0 || tokens <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize(outOff, (long) (tokens - 1) * outStride + rows, out.length);
        if (n <= 0) {
            for (int t = 0; t < tokens; t++) java.util.Arrays.fill(out, outOff + t * outStride, outOff + t * outStride + rows, 0f);
            return;
        }
        Objects.checkFromIndexSize(xOff, (long) (tokens - 1) * xStride + n, x.length);
        int r = 0;
        if (Vec.ENABLED) {
            float[] w = Scratch.floats(4 * n);
            for (; r + 4 <= rows; r += 4) {
                widen(split, offset + (long) r * n, 4 * n, w);
                for (int t = 0; t < tokens; t++) F32Tensor.rows4(w, n, x, xOff + t * xStride, out, outOff + t * outStride + r, 1);
            }
        }
        for (; r < rows; r++) widenedTokens(split, offset + (long) r * n, x, xOff, xStride, tokens, n, out, outOff + r, outStride);
    }

    /**
     * Rows [0, rows) of {@code n} values from {@code offset} · one activation row at {@code x[xOff]},
     * row r's result into {@code out[outOff + r]} (the decode product).
     */
    public void dotRows(long offset, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        if (rows <= 0) return;
        Objects.checkFromIndexSize(xOff, n, x.length);
        boolean split = pairSplit(n);
        if (split) {
            x = PairSplit.rows(x, xOff, n, 1, n);
            xOff = 0;
        }
        rows1(split, offset, rows, x, xOff, n, out, outOff);
    }

    /** {@link #dotRows} with x already in the order the widened rows come in ({@code split}). */
    final void rows1(boolean split, long offset, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        if (rows <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(outOff, rows, out.length);
        if (n == 0) {
            java.util.Arrays.fill(out, outOff, outOff + rows, 0f);
            return;
        }
        int r = 0;
        if (Vec.ENABLED) {
            // quads of rows in pairs from the two halves of the range, widened in one pass: two
            // DRAM streams far apart in flight (about 13% less CPU per row from DRAM for F16)
            float[] wa = Scratch.floats(4 * n), wb = Scratch.floatsB(4 * n);
            int quads = rows / 4, half = (quads + 1) / 2;
            for (int i = 0; i < half; i++) {
                int ra = 4 * i, rb = 4 * (i + half);
                if (rb < 4 * quads) {
                    if (split) {
                        widenSplit(offset + (long) ra * n, 4 * n, wa);
                        widenSplit(offset + (long) rb * n, 4 * n, wb);
                    } else {
                        widenRows2(offset + (long) ra * n, offset + (long) rb * n, 4 * n, wa, wb);
                    }
                    F32Tensor.rows4(wa, n, x, xOff, out, outOff + ra, 1);
                    F32Tensor.rows4(wb, n, x, xOff, out, outOff + rb, 1);
                } else {
                    widen(split, offset + (long) ra * n, 4 * n, wa);
                    F32Tensor.rows4(wa, n, x, xOff, out, outOff + ra, 1);
                }
            }
            r = 4 * quads;
        }
        for (; r < rows; r++) {
            float[] w = Scratch.floats(n);
            widen(split, offset + (long) r * n, n, w);
            out[outOff + r] = Vec.ENABLED ? F32Tensor.dot1(w, x, xOff, n) : F32Tensor.dotScalar(w, x, xOff, n);
        }
    }
}
