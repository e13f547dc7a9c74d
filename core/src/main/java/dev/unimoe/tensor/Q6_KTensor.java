package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q6_K: super-blocks of 256 values in 210 bytes: 128 bytes of low nibbles, 64 bytes of high
 * 2-bit pairs, sixteen int8 scales (one per 16 values), then the f16 d; value = d·scale·(q − 32).
 * Each half of 128 values reads 64 low-nibble bytes and 32 high-bit bytes: value 32k + l of the
 * half takes nibble (k &lt; 2: low, else high) of byte l + 32·(k mod 2) and bits 2k, 2k+1 of byte l.
 */
public final class Q6_KTensor extends KQuantTensor {
    static final int BYTES = 210;

    public Q6_KTensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q6_K; }

    /**
     * 32 values: nibbles (shifted right by {@code nibShift}) of the 32 bytes at {@code ql}, bits
     * {@code hiShift}, +1 of the 32 bytes at {@code qh} on top, minus 32, times s0 (first 16) and s1.
     * Its own small method so C2 keeps the vectors in registers; the work is done in int lanes
     * (AVX2 has no byte shifts).
     */
    static void sixBits(MemorySegment data, long ql, int nibShift, long qh, int hiShift, float s0, float s1, float[] dst, int y) {
        for (int p = 0; p < 32; p += 8) {
            IntVector v = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, data, ql + p, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector h = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_64, data, qh + p, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector q = v.lanewise(VectorOperators.ASHR, nibShift).and(0x0F).or(h.lanewise(VectorOperators.ASHR, hiShift).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
            ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(p < 16 ? s0 : s1).intoArray(dst, y + p);
        }
    }

    /**
     * One row of Q6_K super-blocks (its bytes in w) · one activation row, fused: per run of
     * 16 values Σ q·x in 8 float lanes, scaled by d·scale. One loop over the 32-value chunks (half
     * h, k) so the accumulator stays in a register; low-nibble and high-bit bytes widened to int
     * lanes (AVX2 has no byte shifts) and combined there.
     */
    static float row1(byte[] w, int nsb, float[] x, int x0) {
        float[] acc = new float[8];
        for (int sb = 0; sb < nsb; sb++) superBlock1(w, BYTES * sb, f16(w, BYTES * sb + 208), x, x0 + 256 * sb, acc);
        return Vec.sum(FloatVector.fromArray(Vec.F, acc, 0));
    }

    /** The vector part of {@link #row1} for one super-block, acc[0..8) in and out: a leaf, so C2 keeps the vectors in registers. */
    static void superBlock1(byte[] w, int base, float d, float[] x, int xb0, float[] acc) {
        FloatVector a = FloatVector.fromArray(Vec.F, acc, 0);
        for (int c = 0; c < 8; c++) {
            int h = c >> 2, k = c & 3, xb = xb0 + 32 * c;
            int ql = base + 64 * h + 32 * (k & 1), qh = base + 128 + 32 * h, sc = base + 192 + 8 * h + 2 * k, nib = k < 2 ? 0 : 4;
            FloatVector b = FloatVector.zero(Vec.F), e = b;
            for (int p = 0; p < 16; p += 8) {
                IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, ql + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector hb = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, qh + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q = v.lanewise(VectorOperators.ASHR, nib).and(0x0F).or(hb.lanewise(VectorOperators.ASHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                b = ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Vec.F, x, xb + p), b);
                IntVector v2 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, ql + 16 + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector hb2 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, qh + 16 + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q2 = v2.lanewise(VectorOperators.ASHR, nib).and(0x0F).or(hb2.lanewise(VectorOperators.ASHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                e = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Vec.F, x, xb + 16 + p), e);
            }
            a = e.fma(FloatVector.broadcast(Vec.F, d * w[sc + 1]), b.fma(FloatVector.broadcast(Vec.F, d * w[sc]), a));
        }
        a.intoArray(acc, 0);
    }

    /** {@link #row1} for four activation rows xStride apart: each row's arithmetic as alone. */
    static void row4(byte[] w, int nsb, float[] x, int x0, int xStride, float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(Vec.F), a1 = a0, a2 = a0, a3 = a0;
        int x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int i = 0; i < 8 * nsb; i++) {
            int h = (i >> 2) & 1, k = i & 3, xb = 32 * i;
            int base = BYTES * (i >> 3), ql = base + 64 * h + 32 * (k & 1), qh = base + 128 + 32 * h, sc = base + 192 + 8 * h + 2 * k;
            float d = f16(w, base + 208);
            int nib = k < 2 ? 0 : 4;
            FloatVector b0 = FloatVector.zero(Vec.F), c0 = b0, b1 = b0, c1 = b0, b2 = b0, c2 = b0, b3 = b0, c3 = b0;
            for (int p = 0; p < 32; p += 8) {
                IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, ql + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector hb = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, qh + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q = v.lanewise(VectorOperators.ASHR, nib).and(0x0F).or(hb.lanewise(VectorOperators.ASHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                FloatVector f = (FloatVector) q.convert(VectorOperators.I2F, 0);
                int kk = xb + p;
                if (p < 16) {
                    b0 = f.fma(FloatVector.fromArray(Vec.F, x, x0 + kk), b0);
                    b1 = f.fma(FloatVector.fromArray(Vec.F, x, x1 + kk), b1);
                    b2 = f.fma(FloatVector.fromArray(Vec.F, x, x2 + kk), b2);
                    b3 = f.fma(FloatVector.fromArray(Vec.F, x, x3 + kk), b3);
                } else {
                    c0 = f.fma(FloatVector.fromArray(Vec.F, x, x0 + kk), c0);
                    c1 = f.fma(FloatVector.fromArray(Vec.F, x, x1 + kk), c1);
                    c2 = f.fma(FloatVector.fromArray(Vec.F, x, x2 + kk), c2);
                    c3 = f.fma(FloatVector.fromArray(Vec.F, x, x3 + kk), c3);
                }
            }
            FloatVector s1 = FloatVector.broadcast(Vec.F, d * w[sc]), s2 = FloatVector.broadcast(Vec.F, d * w[sc + 1]);
            a0 = c0.fma(s2, b0.fma(s1, a0));
            a1 = c1.fma(s2, b1.fma(s1, a1));
            a2 = c2.fma(s2, b2.fma(s1, a2));
            a3 = c3.fma(s2, b3.fma(s1, a3));
        }
        out[o] = Vec.sum(a0);
        out[o + os] = Vec.sum(a1);
        out[o + 2 * os] = Vec.sum(a2);
        out[o + 3 * os] = Vec.sum(a3);
    }

    @Override
    int unpack(byte[] w, int nsb, float[] qf, float[] sc) {
        for (int i = 0; i < 8 * nsb; i++) {
            int h = (i >> 2) & 1, k = i & 3;
            int base = BYTES * (i >> 3), ql = base + 64 * h + 32 * (k & 1), qh = base + 128 + 32 * h, s = base + 192 + 8 * h + 2 * k;
            float d = f16(w, base + 208);
            for (int l = 0; l < 32; l++) {
                int nib = ((w[ql + l] & 0xFF) >>> (k < 2 ? 0 : 4)) & 0x0F;
                qf[32 * i + l] = (nib | (((w[qh + l] & 0xFF) >>> 2 * k) & 3) << 4) - 32;
            }
            sc[4 * i] = d * w[s];
            sc[4 * i + 1] = d * w[s + 1];
        }
        return 16;
    }

    @Override
    boolean hasMins() { return false; }

    @Override
    void fused(byte[] row, int nsb, float[] x, int x0, int xStride, float[] xs, int xs0, int xsStride, int tokens, float[] out, int o, int os) {
        if (tokens == 4) row4(row, nsb, x, x0, xStride, out, o, os);
        else out[o] = row1(row, nsb, x, x0);
    }

    @Override
    void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            float d = Float.float16ToFloat(data.get(LE16, base + 208));
            for (int h = 0; h < 2; h++) {
                long ql = base + 64L * h, qh = base + 128 + 32L * h, sc = base + 192 + 8L * h;
                int y = dstOff + i * QK + 128 * h;
                if (vector) {
                    for (int k = 0; k < 4; k++) {
                        float s0 = d * data.get(ValueLayout.JAVA_BYTE, sc + 2 * k), s1 = d * data.get(ValueLayout.JAVA_BYTE, sc + 2 * k + 1);
                        sixBits(data, ql + 32L * (k & 1), k < 2 ? 0 : 4, qh, 2 * k, s0, s1, dst, y + 32 * k);
                    }
                } else {
                    for (int k = 0; k < 4; k++) {
                        for (int l = 0; l < 32; l++) {
                            int lb = data.get(ValueLayout.JAVA_BYTE, ql + l + 32L * (k & 1)) & 0xFF;
                            int nib = k < 2 ? lb & 0x0F : lb >>> 4;
                            int hi = ((data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF) >>> 2 * k) & 3;
                            dst[y + 32 * k + l] = d * data.get(ValueLayout.JAVA_BYTE, sc + 2 * k + l / 16) * ((nib | hi << 4) - 32);
                        }
                    }
                }
            }
        }
    }
}
