package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * ggml's K-quants: super-blocks of 256 values with per-sub-block scales (Q4_K, Q5_K, Q6_K, the
 * formats of the common "Q4_K_M"/"Q5_K_M"/"Q6_K" GGUF files). Products expand whole super-blocks
 * to float32 exactly as ggml's {@code dequantize_row_*} does (vectorized per format) into a
 * per-thread row, then run the {@link F32Tensor} kernels: the decode product widens four rows in
 * one pass and dots them together, a batch reuses the widened row for up to four tokens at a
 * time. Results are the float dot of the dequantized values, the same for one token or many.
 * Offsets and lengths of products must be whole super-blocks.
 */
public abstract sealed class KQuantTensor extends Tensor permits Q4_KTensor, Q5_KTensor, Q6_KTensor {
    static final int QK = 256;

    KQuantTensor(MemorySegment data, long elements) { super(data, elements); }

    /** Expands super-blocks [block, block + count) into dst[dstOff ..] as float32. */
    final void expand(long block, int count, float[] dst, int dstOff) {
        expand(block, count, dst, dstOff, Vec.ENABLED);
    }

    /**
     * The same with the Vector API code ({@code vector}) or the plain loops; both give the same
     * bits. The super-blocks are first copied to a per-thread byte[] (a memcpy, which streams from
     * memory faster than the unpacking would) and unpacked from there: array reads cost one load,
     * where a MemorySegment read deep in a call tree that C2 leaves un-inlined costs tens of
     * nanoseconds.
     */
    final void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        int bytes = type().blockBytes;
        byte[] b = Scratch.bytes(count * bytes);
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, block * bytes, b, 0, count * bytes);
        expandBytes(b, count, dst, dstOff, vector);
    }

    /** Expands {@code count} super-blocks from w[0..] into dst[dstOff ..]. */
    abstract void expandBytes(byte[] w, int count, float[] dst, int dstOff, boolean vector);

    /** The f16 at w[o] (little-endian). */
    static float f16(byte[] w, int o) {
        return Float.float16ToFloat((short) ((w[o] & 0xFF) | w[o + 1] << 8));
    }

    @Override
    public final float get(long index) {
        Objects.checkIndex(index, elements);
        float[] one = new float[QK];
        expand(index / QK, 1, one, 0);
        return one[(int) (index % QK)];
    }

    @Override
    public final void dequantize(long offset, float[] dst, int dstOff, int n) {
        Objects.checkFromIndexSize(offset, n, elements);
        Objects.checkFromIndexSize(dstOff, n, dst.length);
        if (n == 0) return;
        long first = offset / QK, last = (offset + n - 1) / QK;
        if (offset % QK == 0 && n % QK == 0) {
            expand(first, n / QK, dst, dstOff);
            return;
        }
        float[] tmp = new float[(int) (last - first + 1) * QK];         // an unaligned stretch (e.g. a short embedding row)
        expand(first, tmp.length / QK, tmp, 0);
        System.arraycopy(tmp, (int) (offset - first * QK), dst, dstOff, n);
    }

    @Override
    public final float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        float[] w = row(offset, n);
        return Vec.ENABLED ? F32Tensor.dot1(w, x, xOff, n) : F32Tensor.dotScalar(w, x, xOff, n);
    }

    /** As {@link F16Tensor#dotTokens}: the row expanded once for {@code tokens} activation rows. */
    public final void dotTokens(long offset, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (tokens <= 0) return;
        if (n <= 0) {
            for (int t = 0; t < tokens; t++) out[outOff + t * outStride] = 0f;
            return;
        }
        Objects.checkFromIndexSize(xOff, (long) (tokens - 1) * xStride + n, x.length);
        Objects.checkIndex(outOff + (long) (tokens - 1) * outStride, out.length);
        F32Tensor.dotTokens(row(offset, n), x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /** As {@link F16Tensor#dotRows}: {@code rows} consecutive rows · one activation row, four rows per pass. */
    public final void dotRows(long offset, int rows, float[] x, int xOff, int n, float[] out, int outOff) {
        if (rows <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(outOff, rows, out.length);
        int r = 0;
        if (Vec.ENABLED && n > 0) {
            checkWhole(offset, n);
            float[] w = Scratch.floats(4 * n);
            for (; r + 4 <= rows; r += 4) {
                expand((offset + (long) r * n) / QK, 4 * n / QK, w, 0);
                F32Tensor.rows4(w, n, x, xOff, out, outOff + r, 1);
            }
        }
        for (; r < rows; r++) out[outOff + r] = dot(offset + (long) r * n, x, xOff, n);
    }

    private float[] row(long offset, int n) {
        Objects.checkFromIndexSize(offset, n, elements);
        checkWhole(offset, n);
        float[] w = Scratch.floats(n);
        expand(offset / QK, n / QK, w, 0);
        return w;
    }

    private void checkWhole(long offset, int n) {
        if (offset % QK != 0 || n % QK != 0) {
            throw new IllegalArgumentException(type() + " products need whole super-blocks of " + QK + " values: offset " + offset + ", n " + n);
        }
    }
}
