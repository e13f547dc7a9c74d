package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q4_K: super-blocks of 256 values in 144 bytes: f16 d, f16 dmin, twelve bytes packing
 * eight 6-bit (scale, min) pairs, then 128 bytes of 4-bit quants. Sub-block s (32 values) is
 * d·scale_s·q − dmin·min_s; the quants of sub-blocks 2c and 2c+1 are the low and high nibbles of
 * the same 32 bytes.
 */
public final class Q4_KTensor extends KQuantTensor {
    static final int BYTES = 144;
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public Q4_KTensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q4_K; }

    /** All eight 6-bit scales (sm[0..7]) and mins (sm[8..15]) from the 12 packed bytes at {@code at}, read once. */
    static void unpackScales(MemorySegment w, long at, int[] sm) {
        long lo = w.get(LE64, at);
        int hi = w.get(LE32, at + 8);
        for (int j = 0; j < 4; j++) {
            int s = (int) (lo >>> 8 * j) & 0xFF, m = (int) (lo >>> 8 * (j + 4)) & 0xFF, x = (hi >>> 8 * j) & 0xFF;
            sm[j] = s & 63;
            sm[8 + j] = m & 63;
            sm[4 + j] = (x & 0x0F) | (s >>> 6) << 4;
            sm[12 + j] = (x >>> 4) | (m >>> 6) << 4;
        }
    }

    /**
     * 64 values from 32 bytes of nibbles at {@code q} (low: d1·v − m1 into dst[y..], high: d2·v − m2 into
     * dst[y+32..]), with Q5_K's fifth bits from the 32 bytes at {@code qh} (bits {@code bit}, bit+1)
     * when qh ≥ 0. Its own small method: inside the whole expansion loop C2 runs out of inlining
     * budget and boxes the vectors. Per 8 bytes the work is done in int lanes (AVX2 has no byte shifts).
     */
    static void nibbles(MemorySegment data, long q, long qh, int bit, float d1, float m1, float d2, float m2, float[] dst, int y) {
        for (int p = 0; p < 32; p += 8) {
            IntVector v = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, data, q + p, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector lo = v.and(0x0F), hi = v.lanewise(VectorOperators.ASHR, 4).and(0x0F);
            if (qh >= 0) {
                IntVector h = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, data, qh + p, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                lo = lo.or(h.lanewise(VectorOperators.ASHR, bit).and(1).lanewise(VectorOperators.LSHL, 4));
                hi = hi.or(h.lanewise(VectorOperators.ASHR, bit + 1).and(1).lanewise(VectorOperators.LSHL, 4));
            }
            ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, y + p);
            ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, y + 32 + p);
        }
    }

    /**
     * One row of Q4_K or Q5_K super-blocks (bytes per block, quants at qsOff, Q5_K's fifth bits at
     * 16 when {@code five}) · one activation row, fused: per sub-block Σ q·x in 8 float lanes,
     * scaled by d·scale, and the min term dmin·min·Σx from the activations' per-32 sums xs,
     * subtracted at the end. One loop over chunks of 32 quant bytes (sub-blocks 2c, low nibbles,
     * and 2c+1, high) so the accumulator stays in a register; the nibbles are widened to int lanes
     * (AVX2 has no byte shifts) and converted to float there.
     */
    static float row1(byte[] w, int bytes, int qsOff, boolean five, int nsb, float[] x, int x0, float[] xs, int xs0) {
        float[] acc = new float[8];
        int[] sm = new int[16];
        float mins = 0f;
        for (int sb = 0; sb < nsb; sb++) {
            int base = bytes * sb;
            float d = f16(w, base), dmin = f16(w, base + 2);
            scales(w, base + 4, sm);
            superBlock1(w, base, qsOff, five, d, sm, x, x0 + 256 * sb, acc);
            for (int c = 0; c < 4; c++) {
                int i = 4 * sb + c;
                mins += dmin * sm[8 + 2 * c] * xs[xs0 + 2 * i];
                mins += dmin * sm[9 + 2 * c] * xs[xs0 + 2 * i + 1];
            }
        }
        return Vec.sum(FloatVector.fromArray(Vec.F, acc, 0)) - mins;
    }

    /**
     * The vector part of {@link #row1} for one super-block, acc[0..8) in and out. A leaf of its own:
     * inside a bigger method (or one inlined into a deep call tree) C2 runs out of inlining budget
     * and boxes every vector, which made decode three times slower than this.
     */
    static void superBlock1(byte[] w, int base, int qsOff, boolean five, float d, int[] sm, float[] x, int xb0, float[] acc) {
        FloatVector a = FloatVector.fromArray(Vec.F, acc, 0);
        for (int c = 0; c < 4; c++) {
            int j = 2 * c, q = base + qsOff + 32 * c, xb = xb0 + 64 * c;
            FloatVector b = FloatVector.zero(Vec.F), e = b;
            for (int p = 0; p < 32; p += 8) {
                IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, q + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector l = v.and(0x0F), h = v.lanewise(VectorOperators.ASHR, 4).and(0x0F);
                if (five) {
                    IntVector f = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, base + 16 + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                    l = l.or(f.lanewise(VectorOperators.ASHR, j).and(1).lanewise(VectorOperators.LSHL, 4));
                    h = h.or(f.lanewise(VectorOperators.ASHR, j + 1).and(1).lanewise(VectorOperators.LSHL, 4));
                }
                b = ((FloatVector) l.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Vec.F, x, xb + p), b);
                e = ((FloatVector) h.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Vec.F, x, xb + 32 + p), e);
            }
            a = e.fma(FloatVector.broadcast(Vec.F, d * sm[j + 1]), b.fma(FloatVector.broadcast(Vec.F, d * sm[j]), a));
        }
        a.intoArray(acc, 0);
    }

    /** {@link #row1} for four activation rows at once (x and xs rows xStride, xsStride apart): each row's arithmetic as alone. */
    static void row4(byte[] w, int bytes, int qsOff, boolean five, int nsb, float[] x, int x0, int xStride, float[] xs, int xs0, int xsStride,
                     float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(Vec.F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0f, m1 = 0f, m2 = 0f, m3 = 0f;
        int x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        int[] sm = new int[16];
        for (int sb = 0; sb < nsb; sb++) {
            int base = bytes * sb;
            float d = f16(w, base), dmin = f16(w, base + 2);
            scales(w, base + 4, sm);
            for (int c = 0; c < 4; c++) {
                int i = 4 * sb + c, j = 2 * c, q = base + qsOff + 32 * c;
                // the two sub-blocks one after the other (acc = e·s2 + (b·s1 + acc) folds b, then e), four accumulators at a time
                for (int half = 0; half < 2; half++) {
                    FloatVector b0 = FloatVector.zero(Vec.F), b1 = b0, b2 = b0, b3 = b0;
                    for (int p = 0; p < 32; p += 8) {
                        IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, q + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                        IntVector l = v.lanewise(VectorOperators.ASHR, 4 * half).and(0x0F);
                        if (five) {
                            IntVector f = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, base + 16 + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                            l = l.or(f.lanewise(VectorOperators.ASHR, j + half).and(1).lanewise(VectorOperators.LSHL, 4));
                        }
                        FloatVector fl = (FloatVector) l.convert(VectorOperators.I2F, 0);
                        int k = 64 * i + 32 * half + p;
                        b0 = fl.fma(FloatVector.fromArray(Vec.F, x, x0 + k), b0);
                        b1 = fl.fma(FloatVector.fromArray(Vec.F, x, x1 + k), b1);
                        b2 = fl.fma(FloatVector.fromArray(Vec.F, x, x2 + k), b2);
                        b3 = fl.fma(FloatVector.fromArray(Vec.F, x, x3 + k), b3);
                    }
                    FloatVector sv = FloatVector.broadcast(Vec.F, d * sm[j + half]);
                    a0 = b0.fma(sv, a0);
                    a1 = b1.fma(sv, a1);
                    a2 = b2.fma(sv, a2);
                    a3 = b3.fma(sv, a3);
                }
                float n1 = dmin * sm[8 + j], n2 = dmin * sm[9 + j];
                int s = xs0 + 2 * i;
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

    /** The eight scales (sm[0..7]) and mins (sm[8..15]) of the twelve packed bytes at w[at]. */
    static void scales(byte[] w, int at, int[] sm) {
        for (int j = 0; j < 8; j++) {
            sm[j] = scale(w, at, j);
            sm[8 + j] = min(w, at, j);
        }
    }

    /** 6-bit scale j of the twelve packed bytes at w[at]. */
    static int scale(byte[] w, int at, int j) {
        return j < 4 ? w[at + j] & 63 : (w[at + 4 + j] & 0x0F) | ((w[at + j - 4] & 0xFF) >>> 6) << 4;
    }

    /** 6-bit min j of the twelve packed bytes at w[at]. */
    static int min(byte[] w, int at, int j) {
        return j < 4 ? w[at + 4 + j] & 63 : (w[at + 4 + j] & 0xFF) >>> 4 | ((w[at + j] & 0xFF) >>> 6) << 4;
    }

    /** {@link KQuantTensor#unpack} of Q4_K (qsOff 16) and Q5_K (qsOff 48, fifth bits at 16). */
    static int unpack(byte[] w, int bytes, int qsOff, boolean five, int nsb, float[] qf, float[] sc) {
        int[] sm = new int[16];
        for (int i = 0; i < 4 * nsb; i++) {
            int base = bytes * (i >> 2), q = base + qsOff + 32 * (i & 3), j = 2 * (i & 3);
            float d = f16(w, base), dmin = f16(w, base + 2);
            scales(w, base + 4, sm);
            for (int l = 0; l < 32; l++) {
                int v = w[q + l] & 0xFF, h = five ? w[base + 16 + l] & 0xFF : 0;
                qf[64 * i + l] = (v & 0x0F) | ((h >>> j) & 1) << 4;
                qf[64 * i + 32 + l] = (v >>> 4) | ((h >>> (j + 1)) & 1) << 4;
            }
            sc[4 * i] = d * sm[j];
            sc[4 * i + 1] = d * sm[j + 1];
            sc[4 * i + 2] = dmin * sm[8 + j];
            sc[4 * i + 3] = dmin * sm[9 + j];
        }
        return 32;
    }

    @Override
    int unpack(byte[] row, int nsb, float[] qf, float[] sc) { return unpack(row, BYTES, 16, false, nsb, qf, sc); }

    @Override
    boolean hasMins() { return true; }

    @Override
    void fused(byte[] row, int nsb, float[] x, int x0, int xStride, float[] xs, int xs0, int xsStride, int tokens, float[] out, int o, int os) {
        if (tokens == 4) row4(row, BYTES, 16, false, nsb, x, x0, xStride, xs, xs0, xsStride, out, o, os);
        else out[o] = row1(row, BYTES, 16, false, nsb, x, x0, xs, xs0);
    }

    @Override
    void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        int[] sm = new int[16];
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            unpackScales(data, base + 4, sm);
            float d = Float.float16ToFloat(data.get(LE16, base)), dmin = Float.float16ToFloat(data.get(LE16, base + 2));
            int o = dstOff + i * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * sm[2 * c], m1 = dmin * sm[8 + 2 * c];
                float d2 = d * sm[2 * c + 1], m2 = dmin * sm[9 + 2 * c];
                int y = o + 64 * c;
                if (vector) {
                    nibbles(data, base + 16 + 32L * c, -1, 0, d1, m1, d2, m2, dst, y);
                } else {
                    for (int l = 0; l < 32; l++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, base + 16 + 32L * c + l) & 0xFF;
                        dst[y + l] = d1 * (q & 0x0F) - m1;
                        dst[y + 32 + l] = d2 * (q >>> 4) - m2;
                    }
                }
            }
        }
    }
}
