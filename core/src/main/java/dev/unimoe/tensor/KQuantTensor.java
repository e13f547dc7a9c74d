package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * ggml's K-quants: super-blocks of 256 values with per-sub-block scales (Q4_K, Q5_K, Q6_K, the
 * formats of the common "Q4_K_M"/"Q5_K_M"/"Q6_K" GGUF files). The kernels' products are
 * llama.cpp's: integer dots of the quants with 8-bit activation blocks ({@link #dotTokens(long,
 * int, Q8Activations, int, int, float[], int, int)}). Expansion to float32 follows ggml's
 * {@code dequantize_row_*} exactly (vectorized per format); {@link #dot} with float activations
 * is the float dot of those values ({@link WidenedTensor}). Offsets and lengths of products must
 * be whole super-blocks.
 */
public abstract sealed class KQuantTensor extends WidenedTensor permits Q4_KTensor, Q5_KTensor, Q6_KTensor {
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

    /** One row of {@code superBlocks} super-blocks (bytes from w[0]) · the activation blocks from {@code blk0}. */
    abstract float dotQ(byte[] w, int superBlocks, Q8Activations x, int blk0, boolean vector, byte[] sb, float[] sf);

    /** {@link #dotQ} of four activation rows (blocks from blk0 + t·bs), results into out[o0 + t·os], bit-identical to four calls. */
    abstract void dotQ4(byte[] w, int superBlocks, Q8Activations x, int blk0, int bs, byte[] sb, float[] sf, float[] out, int o0, int os);

    /**
     * The quantized-activation product of {@code rows} consecutive weight rows of {@code x.cols()}
     * values from {@code offset} with activation rows token0 .. token0+tokens−1 (Q8_0 blocks of
     * 32, one per sub-block), row r's result for token t into {@code out[outOff + r + t·outStride]}.
     * Each row's super-blocks are copied to a per-thread byte[] once for all tokens. The kernels use
     * this for every product of a K-quant matrix, one token or many, so results never depend on
     * the batch; {@link #dot} stays the float dot of the expanded values.
     */
    public final void dotTokens(long offset, int rows, Q8Activations x, int token0, int tokens, float[] out, int outOff, int outStride) {
        if (tokens <= 0 || rows <= 0) return;
        if (x.forQ4()) throw new IllegalArgumentException("activations were prepared for Q4_0 weights, not " + type());
        int n = x.cols(), nb = x.blocksPerRow(), bytes = type().blockBytes, sbs = n / QK;
        checkWhole(offset, n);
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize((long) token0 * n, (long) tokens * n, (long) x.rows() * n);
        Objects.checkFromIndexSize(outOff, rows + (long) (tokens - 1) * outStride, out.length);
        byte[] w = Scratch.bytes(sbs * bytes);
        byte[] sb = new byte[16];
        float[] sf = new float[32];
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (offset + (long) r * n) / QK * bytes, w, 0, sbs * bytes);
            int t = 0;
            if (Vec.ENABLED) {
                for (; t + 4 <= tokens; t += 4) dotQ4(w, sbs, x, (token0 + t) * nb, nb, sb, sf, out, outOff + r + t * outStride, outStride);
            }
            for (; t < tokens; t++) out[outOff + r + t * outStride] = dotQ(w, sbs, x, (token0 + t) * nb, Vec.ENABLED, sb, sf);
        }
    }

    /** Whole super-blocks only: a product never starts or ends inside one. */
    @Override
    final void widenRow(long offset, int n, float[] w) {
        Objects.checkFromIndexSize(offset, n, elements);
        checkWhole(offset, n);
        expand(offset / QK, n / QK, w, 0);
    }

    private void checkWhole(long offset, int n) {
        if (offset % QK != 0 || n % QK != 0) {
            throw new IllegalArgumentException(type() + " products need whole super-blocks of " + QK + " values: offset " + offset + ", n " + n);
        }
    }
}
