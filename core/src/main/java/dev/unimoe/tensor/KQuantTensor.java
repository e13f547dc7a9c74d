package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;

/**
 * ggml's K-quants: super-blocks of 256 values with per-sub-block scales (Q4_K, Q5_K, Q6_K, the
 * formats of the common "Q4_K_M"/"Q5_K_M"/"Q6_K" GGUF files). {@link #dequantize} expands
 * exactly as ggml's {@code dequantize_row_*} does. Products never expand a row into memory: the
 * quants are widened to float lanes in registers and multiplied with the float activations there,
 * per sub-block Σ q·x scaled by d·scale, with Q4_K/Q5_K's min term taken from the activations'
 * per-32 sums (d·scale·Σq·x − dmin·min·Σx, the factoring llama.cpp uses); four tokens share each
 * widening, and a token's result does not depend on how many share the call. Offsets and lengths
 * of products must be whole super-blocks.
 */
public abstract sealed class KQuantTensor extends Tensor permits Q4_KTensor, Q5_KTensor, Q6_KTensor {
    static final int QK = 256;
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    KQuantTensor(MemorySegment data, long elements) { super(data, elements); }

    /** Expands super-blocks [block, block + count) into dst[dstOff ..] as float32. */
    final void expand(long block, int count, float[] dst, int dstOff) {
        expand(block, count, dst, dstOff, Vec.ENABLED);
    }

    /** The same with the Vector API code ({@code vector}) or the plain loops; both give the same bits. */
    abstract void expand(long block, int count, float[] dst, int dstOff, boolean vector);

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

    /** The f16 at w[o] (little-endian). */
    static float f16(byte[] w, int o) {
        return Float.float16ToFloat((short) ((w[o] & 0xFF) | w[o + 1] << 8));
    }

    /**
     * A row of {@code nsb} super-blocks (its bytes copied into {@code row}) · {@code tokens} (1 or 4)
     * activation rows x[x0 + t·xStride ..], with their per-32 sums xs[xs0 + t·xsStride ..] (the
     * min terms), into out[o + t·os].
     */
    abstract void fused(byte[] row, int nsb, float[] x, int x0, int xStride, float[] xs, int xs0, int xsStride, int tokens, float[] out, int o, int os);

    /**
     * The row's quants as floats in qf (Q6_K: q − 32) and, per pair p of runs (Q4_K/Q5_K: two
     * sub-blocks of 32; Q6_K: two runs of 16), sc[4p..4p+3] = the scales d·scale of both runs and
     * (Q4_K/Q5_K) the mins dmin·min: the same floats {@link #fused} computes in registers.
     * Returns the run length.
     */
    abstract int unpack(byte[] row, int nsb, float[] qf, float[] sc);

    /** Whether the format has min terms (Q4_K, Q5_K). */
    abstract boolean hasMins();

    /** Σ of each run of 32 values of {@code tokens} rows of {@code cols} from xOff, in order, into xs[t·cols/32 + b]. */
    public static float[] blockSums(float[] x, int xOff, int tokens, int cols, float[] xs) {
        int nb = cols / 32;
        for (int t = 0; t < tokens; t++) {
            for (int b = 0; b < nb; b++) {
                float s = 0f;
                int o = xOff + t * cols + 32 * b;
                for (int i = 0; i < 32; i++) s += x[o + i];
                xs[t * nb + b] = s;
            }
        }
        return xs;
    }

    @Override
    public final float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        float[] out = new float[1];
        dotTokens(offset, 1, x, xOff, blockSums(x, xOff, 1, n, new float[n / 32]), 0, 1, n, out, 0, 1);
        return out[0];
    }

    /**
     * {@code rows} consecutive rows of {@code n} values from {@code offset} · {@code tokens}
     * activation rows (row t at x[xOff + t·n], its per-32 sums at xs[xsOff + t·n/32]), row r's
     * result for token t into out[outOff + r + t·outStride]. The quants are widened in registers
     * and multiplied there (no expanded row in memory), four tokens sharing each widening; every
     * result is the same whatever the number of tokens.
     */
    public final void dotTokens(long offset, int rows, float[] x, int xOff, float[] xs, int xsOff, int tokens, int n, float[] out, int outOff, int outStride) {
        if (rows <= 0 || tokens <= 0) return;
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        checkWhole(offset, n);
        Objects.checkFromIndexSize(xOff, (long) tokens * n, x.length);
        Objects.checkFromIndexSize(xsOff, (long) tokens * (n / 32), xs.length);
        Objects.checkFromIndexSize(outOff, rows + (long) (tokens - 1) * outStride, out.length);
        int nsb = n / QK;
        if (!Vec.ENABLED) {
            float[] w = Scratch.floats(n);
            for (int r = 0; r < rows; r++) {
                expand((offset + (long) r * n) / QK, nsb, w, 0);
                for (int t = 0; t < tokens; t++) out[outOff + r + t * outStride] = F32Tensor.dotScalar(w, x, xOff + t * n, n);
            }
            return;
        }
        // each row's bytes are copied to the heap first (a memcpy): the kernels then index a byte[],
        // where a scalar read is one load; a MemorySegment read that C2 leaves un-inlined in a deep
        // call tree costs tens of nanoseconds and took half the decode time
        int rowBytes = nsb * type().blockBytes;
        byte[] rb = Scratch.bytes(rowBytes);
        if (tokens > 4) {
            // a batch: the row is unpacked once and every group of four tokens reads the floats, with
            // the arithmetic of fused(), so results match the single-token path bit for bit
            float[] qf = Scratch.floats(n), sc = new float[n / 8];
            int pairs = n / 32, xsn = n / 32;
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (offset + (long) r * n) / QK * type().blockBytes, rb, 0, rowBytes);
                int run = unpack(rb, nsb, qf, sc);
                int np = n / (2 * run);
                int t = 0;
                for (; t + 4 <= tokens; t += 4) pairs4(qf, run, np, sc, hasMins(), x, xOff + t * n, n, xs, xsOff + t * xsn, xsn, out, outOff + r + t * outStride, outStride);
                for (; t < tokens; t++) out[outOff + r + t * outStride] = pairs1(qf, run, np, sc, hasMins(), x, xOff + t * n, xs, xsOff + t * xsn);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (offset + (long) r * n) / QK * type().blockBytes, rb, 0, rowBytes);
            int t = 0;
            for (; t + 4 <= tokens; t += 4) fused(rb, nsb, x, xOff + t * n, n, xs, xsOff + t * (n / 32), n / 32, 4, out, outOff + r + t * outStride, outStride);
            for (; t < tokens; t++) fused(rb, nsb, x, xOff + t * n, n, xs, xsOff + t * (n / 32), n / 32, 1, out, outOff + r + t * outStride, outStride);
        }
    }

    /**
     * Unpacked row · one activation row: per pair p of runs of {@code run} values, b = Σ qf·x over
     * the first, c over the second (8 lanes), acc = c·s2 + (b·s1 + acc); minus Σ n·xs when the
     * format has mins. {@code sc} holds s1, s2, n1, n2 interleaved per pair (4p ..).
     */
    static float pairs1(float[] qf, int run, int np, float[] sc, boolean mins, float[] x, int x0, float[] xs, int xs0) {
        FloatVector acc = FloatVector.zero(Vec.F);
        float m = 0f;
        for (int p = 0; p < np; p++) {
            int q = 2 * run * p, xb = x0 + q;
            FloatVector b = FloatVector.zero(Vec.F), c = b;
            for (int k = 0; k < run; k += 8) {
                b = FloatVector.fromArray(Vec.F, qf, q + k).fma(FloatVector.fromArray(Vec.F, x, xb + k), b);
                c = FloatVector.fromArray(Vec.F, qf, q + run + k).fma(FloatVector.fromArray(Vec.F, x, xb + run + k), c);
            }
            acc = c.fma(FloatVector.broadcast(Vec.F, sc[4 * p + 1]), b.fma(FloatVector.broadcast(Vec.F, sc[4 * p]), acc));
            if (mins) {
                m += sc[4 * p + 2] * xs[xs0 + 2 * p];
                m += sc[4 * p + 3] * xs[xs0 + 2 * p + 1];
            }
        }
        return Vec.sum(acc) - m;
    }

    /** {@link #pairs1} for four activation rows (x, xs rows xStride, xsStride apart), each as alone. */
    static void pairs4(float[] qf, int run, int np, float[] sc, boolean mins, float[] x, int x0, int xStride, float[] xs, int xs0, int xsStride,
                       float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(Vec.F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0f, m1 = 0f, m2 = 0f, m3 = 0f;
        int x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int p = 0; p < np; p++) {
            // the two runs one after the other (acc = c·s2 + (b·s1 + acc) is the same as folding b, then c):
            // four accumulators at a time leave the 16 vector registers free of spills
            for (int half = 0; half < 2; half++) {
                int q = 2 * run * p + half * run;
                FloatVector b0 = FloatVector.zero(Vec.F), b1 = b0, b2 = b0, b3 = b0;
                for (int k = 0; k < run; k += 8) {
                    FloatVector u = FloatVector.fromArray(Vec.F, qf, q + k);
                    b0 = u.fma(FloatVector.fromArray(Vec.F, x, x0 + q + k), b0);
                    b1 = u.fma(FloatVector.fromArray(Vec.F, x, x1 + q + k), b1);
                    b2 = u.fma(FloatVector.fromArray(Vec.F, x, x2 + q + k), b2);
                    b3 = u.fma(FloatVector.fromArray(Vec.F, x, x3 + q + k), b3);
                }
                FloatVector sv = FloatVector.broadcast(Vec.F, sc[4 * p + half]);
                a0 = b0.fma(sv, a0);
                a1 = b1.fma(sv, a1);
                a2 = b2.fma(sv, a2);
                a3 = b3.fma(sv, a3);
            }
            if (mins) {
                float n1 = sc[4 * p + 2], n2 = sc[4 * p + 3];
                int s = xs0 + 2 * p;
                m0 += n1 * xs[s];
                m0 += n2 * xs[s + 1];
                m1 += n1 * xs[s + xsStride];
                m1 += n2 * xs[s + xsStride + 1];
                m2 += n1 * xs[s + 2 * xsStride];
                m2 += n2 * xs[s + 2 * xsStride + 1];
                m3 += n1 * xs[s + 3 * xsStride];
                m3 += n2 * xs[s + 3 * xsStride + 1];
            }
        }
        out[o] = Vec.sum(a0) - m0;
        out[o + os] = Vec.sum(a1) - m1;
        out[o + 2 * os] = Vec.sum(a2) - m2;
        out[o + 3 * os] = Vec.sum(a3) - m3;
    }

    private void checkWhole(long offset, int n) {
        if (offset % QK != 0 || n % QK != 0) {
            throw new IllegalArgumentException(type() + " products need whole super-blocks of " + QK + " values: offset " + offset + ", n " + n);
        }
    }
}
