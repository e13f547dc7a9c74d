package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.unimoe.tensor.Vec.B128;
import static dev.unimoe.tensor.Vec.B64;
import static dev.unimoe.tensor.Vec.F;
import static dev.unimoe.tensor.Vec.S;
/**
 * ggml Q8_0: blocks of 32 values, each a little-endian f16 scale d then 32 int8 q; value = d·q.
 * Besides the float-activation {@link #dot}, the quantized-activation product of ggml
 * ({@link #dot(long, Q8Activations, int, int)}): int8×int8 products in 16-bit lanes (two per
 * lane, at most 2·128·127), pairs widened to 32-bit lanes, converted to float and scaled by
 * d_w·d_x per block, as {@code ggml_vec_dot_q8_0_q8_0} does on AVX2.
 */
public final class Q8_0Tensor extends Tensor {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public Q8_0Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q8_0; }

    @Override
    public float get(long index) {
        long block = index >>> 5;
        int within = (int) (index & 31);
        long base = block * 34;
        float d = Float.float16ToFloat(data.get(LE16, base));
        return d * data.get(ValueLayout.JAVA_BYTE, base + 2 + within);
    }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        Objects.checkFromIndexSize(offset, n, elements);
        if (!Vec.ENABLED || (offset & 31) != 0) {
            float s = 0f;
            for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
            return s;
        }
        int nb = n >>> 5;
        float s = 0f;
        if (nb > 0) {
            long row = (offset >>> 5) * 34;   // read in place: a copy of the row first costs more than it saves
            s = dotF(data, row, x, xOff, nb);
        }
        for (int i = nb * 32; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }

    /**
     * The quantized-activation product {@code ggml_vec_dot_q8_0_q8_0}: the {@code n} values at
     * {@code offset} with activation values [xOff, xOff + n) of {@code x} (flat index over its
     * rows; offset, xOff and n multiples of 32). Per block an exact integer dot of the quants,
     * times d_w·d_x, accumulated in float32 over 8 lanes.
     */
    public float dot(long offset, Q8Activations x, int xOff, int n) {
        checkQ(offset, x, xOff, n);
        if (n == 0) return 0f;
        if (!Vec.ENABLED) return dotQScalar(offset, x, xOff >>> 5, n >>> 5);
        int nb = n >>> 5;
        long row = (offset >>> 5) * 34;   // read in place: a copy of the row first costs more than it saves
        return dotQ1(data, row, x.q, x.d, xOff >>> 5, nb, new float[8]);
    }

    /**
     * {@link #dot(long, Q8Activations, int, int)} of {@code rows} consecutive weight rows of
     * {@code x.cols()} values from {@code offset} with activation rows token0 .. token0+tokens−1,
     * row r's result for token t into {@code out[outOff + r + t·outStride]}; each
     * weight block is read and unpacked once for up to four rows, with results bit-identical to
     * the one-row product.
     */
    public void dotTokens(long offset, int rows, Q8Activations x, int token0, int tokens, float[] out, int outOff, int outStride) {
        if (tokens <= 0 || rows <= 0) return;
        int n = x.cols(), nb = x.blocksPerRow();
        // every argument checked once for the whole range: per row, the checks cost ~10% of a 1024-wide product
        checkQ(offset, x, token0 * n, n);
        Objects.checkFromIndexSize(offset, (long) rows * n, elements);
        Objects.checkFromIndexSize((long) token0 * n, (long) tokens * n, (long) x.rows() * n);
        Objects.checkFromIndexSize(outOff, rows + (long) (tokens - 1) * outStride, out.length);
        float[] tmp = new float[8];   // lane sums go through it: in these large methods C2 may stop inlining lane()
        for (int r = 0; r < rows; r++) {
            long o = offset + (long) r * n;
            int oo = outOff + r;
            if (!Vec.ENABLED) {
                for (int t = 0; t < tokens; t++) out[oo + t * outStride] = dotQScalar(o, x, (token0 + t) * nb, nb);
                continue;
            }
            long row = (o >>> 5) * 34;   // read in place: a copy of the row first costs more than it saves
            int t = 0;
            for (; t + 4 <= tokens; t += 4) dotQ4(data, row, x.q, x.d, (token0 + t) * nb, nb, nb, out, oo + t * outStride, outStride, tmp);
            if (t + 2 <= tokens) {
                dotQ2(data, row, x.q, x.d, (token0 + t) * nb, nb, nb, out, oo + t * outStride, outStride, tmp);
                t += 2;
            }
            for (; t < tokens; t++) out[oo + t * outStride] = dotQ1(data, row, x.q, x.d, (token0 + t) * nb, nb, tmp);
        }
    }

    private void checkQ(long offset, Q8Activations x, int xOff, int n) {
        if (x.forQ4() != false) throw new IllegalArgumentException("activations were prepared for " + (x.forQ4() ? "Q4_0" : "Q8_0") + " weights, not Q8_0");
        if (((offset | xOff | n) & 31) != 0) throw new IllegalArgumentException("Q8_0 products need whole blocks: offset " + offset + ", xOff " + xOff + ", n " + n);
        Objects.checkFromIndexSize(offset, n, elements);
        Objects.checkFromIndexSize(xOff, n, (long) x.rows() * x.cols());
    }

    /** Plain-Java reference of the quantized product (also the path without usable vectors). */
    private float dotQScalar(long offset, Q8Activations x, int blk0, int nb) {
        float s = 0f;
        for (int b = 0; b < nb; b++) {
            long o = ((offset >>> 5) + b) * 34;
            int sumi = 0;
            for (int j = 0; j < 32; j++) sumi += data.get(ValueLayout.JAVA_BYTE, o + 2 + j) * x.quant((blk0 + b) * 32 + j);
            s += sumi * (Float.float16ToFloat(data.get(LE16, o)) * x.d[blk0 + b]);
        }
        return s;
    }

    /** Float activations: per block four 8-lane int8→float conversions and FMAs, then × d. */
    static float dotF(MemorySegment w, long base, float[] x, int x0, int nb) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = base + 34L * b;
            int xi = x0 + 32 * b;
            FloatVector p = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 2, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi));
            p = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 10, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 8), p);
            p = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 18, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), p);
            p = ((FloatVector) ByteVector.fromMemorySegment(B64, w, o + 26, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 24), p);
            acc = p.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(LE16, o))), acc);
        }
        return Vec.sum(acc);
    }

    static float dotQ1(MemorySegment w, long base, short[] q, float[] d, int blk0, int nb, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = base + 34L * b;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 2, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 18, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            float dw = Float.float16ToFloat(w.get(LE16, o));
            IntVector p0 = w0.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b) + 16))).reinterpretAsInts();
            IntVector s0 = p0.lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[blk0 + b]), a0);
        }
        return Vec.sum(a0, tmp);
    }

    static void dotQ2(MemorySegment w, long base, short[] q, float[] d, int blk0, int bs, int nb, float[] out, int o0, int os, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int k1 = blk0 + 1 * bs;
        for (int b = 0; b < nb; b++) {
            long o = base + 34L * b;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 2, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 18, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            float dw = Float.float16ToFloat(w.get(LE16, o));
            IntVector p0 = w0.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b) + 16))).reinterpretAsInts();
            IntVector s0 = p0.lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[blk0 + b]), a0);
            IntVector p1 = w0.mul(ShortVector.fromArray(S, q, 32 * (k1 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (k1 + b) + 16))).reinterpretAsInts();
            IntVector s1 = p1.lanewise(VectorOperators.ASHR, 16).add(p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[k1 + b]), a1);
        }
        out[o0 + 0 * os] = Vec.sum(a0, tmp);
        out[o0 + 1 * os] = Vec.sum(a1, tmp);
    }

    static void dotQ4(MemorySegment w, long base, short[] q, float[] d, int blk0, int bs, int nb, float[] out, int o0, int os, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int k1 = blk0 + 1 * bs;
        int k2 = blk0 + 2 * bs;
        int k3 = blk0 + 3 * bs;
        for (int b = 0; b < nb; b++) {
            long o = base + 34L * b;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 2, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B128, w, o + 18, Vec.LE).convertShape(VectorOperators.B2S, S, 0);
            float dw = Float.float16ToFloat(w.get(LE16, o));
            IntVector p0 = w0.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (blk0 + b) + 16))).reinterpretAsInts();
            IntVector s0 = p0.lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[blk0 + b]), a0);
            IntVector p1 = w0.mul(ShortVector.fromArray(S, q, 32 * (k1 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (k1 + b) + 16))).reinterpretAsInts();
            IntVector s1 = p1.lanewise(VectorOperators.ASHR, 16).add(p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[k1 + b]), a1);
            IntVector p2 = w0.mul(ShortVector.fromArray(S, q, 32 * (k2 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (k2 + b) + 16))).reinterpretAsInts();
            IntVector s2 = p2.lanewise(VectorOperators.ASHR, 16).add(p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a2 = ((FloatVector) s2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[k2 + b]), a2);
            IntVector p3 = w0.mul(ShortVector.fromArray(S, q, 32 * (k3 + b))).add(w1.mul(ShortVector.fromArray(S, q, 32 * (k3 + b) + 16))).reinterpretAsInts();
            IntVector s3 = p3.lanewise(VectorOperators.ASHR, 16).add(p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            a3 = ((FloatVector) s3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, dw * d[k3 + b]), a3);
        }
        out[o0 + 0 * os] = Vec.sum(a0, tmp);
        out[o0 + 1 * os] = Vec.sum(a1, tmp);
        out[o0 + 2 * os] = Vec.sum(a2, tmp);
        out[o0 + 3 * os] = Vec.sum(a3, tmp);
    }

}
