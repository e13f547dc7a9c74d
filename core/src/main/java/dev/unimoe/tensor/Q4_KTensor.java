package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import java.lang.foreign.MemorySegment;

/**
 * ggml Q4_K: super-blocks of 256 values in 144 bytes: f16 d, f16 dmin, twelve bytes packing
 * eight 6-bit (scale, min) pairs, then 128 bytes of 4-bit quants. Sub-block s (32 values) is
 * d·scale_s·q − dmin·min_s; the quants of sub-blocks 2c and 2c+1 are the low and high nibbles of
 * the same 32 bytes.
 */
public final class Q4_KTensor extends KQuantTensor {
    static final int BYTES = 144;

    public Q4_KTensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q4_K; }

    /**
     * 64 values from 32 bytes of nibbles at {@code q} (low: d1·v − m1 into dst[y..], high: d2·v − m2 into
     * dst[y+32..]), with Q5_K's fifth bits from the 32 bytes at {@code qh} (bits {@code bit}, bit+1)
     * when qh ≥ 0. Its own small method: inside the whole expansion loop C2 runs out of inlining
     * budget and boxes the vectors. Per 8 bytes the work is done in int lanes (AVX2 has no byte shifts).
     */
    static void nibbles(byte[] w, int q, int qh, int bit, float d1, float m1, float d2, float m2, float[] dst, int y) {
        for (int p = 0; p < 32; p += 8) {
            IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, q + p).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector lo = v.and(0x0F), hi = v.lanewise(VectorOperators.ASHR, 4).and(0x0F);
            if (qh >= 0) {
                IntVector h = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, qh + p).convertShape(VectorOperators.B2I, Vec.I, 0);
                lo = lo.or(h.lanewise(VectorOperators.ASHR, bit).and(1).lanewise(VectorOperators.LSHL, 4));
                hi = hi.or(h.lanewise(VectorOperators.ASHR, bit + 1).and(1).lanewise(VectorOperators.LSHL, 4));
            }
            ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, y + p);
            ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, y + 32 + p);
        }
    }

    /** Q4_K (qsOff 16) and Q5_K (qsOff 48, fifth bits at 16 when {@code five}) super-blocks of {@code bytes} each from w[0..]. */
    static void expand(byte[] w, int bytes, int qsOff, boolean five, int count, float[] dst, int dstOff, boolean vector) {
        byte[] sm = new byte[16];
        for (int i = 0; i < count; i++) {
            int base = i * bytes;
            scaleBytes(w, base + 4, sm);
            float d = f16(w, base), dmin = f16(w, base + 2);
            int o = dstOff + i * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * sm[2 * c], m1 = dmin * sm[8 + 2 * c];
                float d2 = d * sm[2 * c + 1], m2 = dmin * sm[9 + 2 * c];
                int y = o + 64 * c, q = base + qsOff + 32 * c;
                if (vector) {
                    nibbles(w, q, five ? base + 16 : -1, 2 * c, d1, m1, d2, m2, dst, y);
                } else {
                    for (int l = 0; l < 32; l++) {
                        int v = w[q + l] & 0xFF, h = five ? w[base + 16 + l] & 0xFF : 0;
                        dst[y + l] = d1 * ((v & 0x0F) + ((h >>> 2 * c) & 1) * 16) - m1;
                        dst[y + 32 + l] = d2 * ((v >>> 4) + ((h >>> 2 * c + 1) & 1) * 16) - m2;
                    }
                }
            }
        }
    }

    @Override
    void expandBytes(byte[] w, int count, float[] dst, int dstOff, boolean vector) {
        expand(w, BYTES, 16, false, count, dst, dstOff, vector);
    }

    @Override
    float dotQ(byte[] w, int superBlocks, Q8Activations x, int blk0, boolean vector, byte[] sb, float[] sf) {
        return vector ? dotQ(w, superBlocks, BYTES, 16, false, x.q, x.d, x.sums, blk0, sb, sf) : dotQScalar(w, superBlocks, BYTES, 16, false, x, blk0);
    }

    @Override
    void dotQ4(byte[] w, int superBlocks, Q8Activations x, int blk0, int bs, byte[] sb, float[] sf, float[] out, int o0, int os) {
        dotQ4(w, superBlocks, BYTES, 16, false, x.q, x.d, x.sums, blk0, bs, sb, sf, out, o0, os);
    }

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * The eight 6-bit scales (as bytes into sb[0..7]) and mins (sb[8..15]) of the 12 packed bytes
     * at w[at], three 32-bit words at a time as ggml's SIMD code unpacks them; each half is stored
     * as one long so the vector load that follows is forwarded from the store.
     */
    static void scaleBytes(byte[] w, int at, byte[] sb) {
        int u0 = (int) INT_LE.get(w, at), u1 = (int) INT_LE.get(w, at + 4), u2 = (int) INT_LE.get(w, at + 8);
        int s1 = (u2 & 0x0F0F0F0F) | ((u0 >>> 6) & 0x03030303) << 4;
        int m1 = ((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 6) & 0x03030303) << 4;
        LONG_LE.set(sb, 0, (u0 & 0x3F3F3F3F) & 0xFFFFFFFFL | (long) s1 << 32);
        LONG_LE.set(sb, 8, (u1 & 0x3F3F3F3F) & 0xFFFFFFFFL | (long) m1 << 32);
    }

    /**
     * The quantized-activation product of Q4_K (qsOff 16) or Q5_K (qsOff 48, fifth bits at 16 when
     * {@code five}) super-blocks of {@code bytes} each from w[0..] with activation blocks from
     * {@code blk0} (32 quants each, one block per sub-block): per sub-block s of a super-block,
     * d·scale_s·d_x·Σ q·q_x, minus dmin·Σ_s min_s·d_x·Σq_x. The 4/5-bit quants are zero-extended
     * to 16-bit lanes and multiplied there (at most 2·31·127 per lane), pairs of lanes summed into
     * 32-bit lanes (the sum fits 16 bits, so one shift-add-shift does it), converted to float and
     * scaled per sub-block. A super-block's eight scales and mins are widened and multiplied with
     * the activation scales eight at a time (scratch: sb 16 bytes, sf 8 floats).
     */
    static float dotQ(byte[] w, int superBlocks, int bytes, int qsOff, boolean five, short[] q, float[] dx, float[] xs, int blk0, byte[] sb, float[] sf) {
        FloatVector acc = FloatVector.zero(Vec.F), mins = acc;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * bytes, b0 = blk0 + 8 * i;
            scaleBytes(w, base + 4, sb);
            float d = f16(w, base), dmin = f16(w, base + 2);
            ((FloatVector) ByteVector.fromArray(Vec.B64, sb, 0).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).mul(FloatVector.fromArray(Vec.F, dx, b0)).intoArray(sf, 0);
            mins = ((FloatVector) ByteVector.fromArray(Vec.B64, sb, 8).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(dmin).fma(FloatVector.fromArray(Vec.F, xs, b0), mins);
            for (int c = 0; c < 4; c++) {
                int qo = base + qsOff + 32 * c, xo = 32 * (b0 + 2 * c);
                ShortVector u0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qo).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector u1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qo + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector lo0 = u0.and((short) 0x0F), lo1 = u1.and((short) 0x0F);
                ShortVector hi0 = u0.lanewise(VectorOperators.LSHR, 4), hi1 = u1.lanewise(VectorOperators.LSHR, 4);
                if (five) {
                    int hb = base + 16;
                    ShortVector h0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, hb).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector h1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, hb + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    lo0 = lo0.or(h0.lanewise(VectorOperators.LSHR, 2 * c).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    lo1 = lo1.or(h1.lanewise(VectorOperators.LSHR, 2 * c).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    hi0 = hi0.or(h0.lanewise(VectorOperators.LSHR, 2 * c + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    hi1 = hi1.or(h1.lanewise(VectorOperators.LSHR, 2 * c + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                }
                IntVector pa = lo0.mul(ShortVector.fromArray(Vec.S, q, xo)).add(lo1.mul(ShortVector.fromArray(Vec.S, q, xo + 16))).reinterpretAsInts();
                IntVector pb = hi0.mul(ShortVector.fromArray(Vec.S, q, xo + 32)).add(hi1.mul(ShortVector.fromArray(Vec.S, q, xo + 48))).reinterpretAsInts();
                IntVector sa = pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                IntVector sbv = pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                acc = ((FloatVector) sa.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * c]), acc);
                acc = ((FloatVector) sbv.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * c + 1]), acc);
            }
        }
        return Vec.sum(acc.sub(mins), sf);
    }

    /**
     * {@link #dotQ(byte[], int, int, int, boolean, short[], float[], float[], int, byte[], float[])}
     * for four activation rows at once (blocks from blk0 + t·bs, t &lt; 4), each super-block's
     * quants unpacked once for all four; every result bit-identical to the one-row product
     * (sf: 32 floats of scratch).
     */
    static void dotQ4(byte[] w, int superBlocks, int bytes, int qsOff, boolean five, short[] q, float[] dx, float[] xs, int blk0, int bs,
                      byte[] sb, float[] sf, float[] out, int o0, int os) {
        FloatVector a0 = FloatVector.zero(Vec.F), a1 = a0, a2 = a0, a3 = a0, m0 = a0, m1 = a0, m2 = a0, m3 = a0;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * bytes, b0 = blk0 + 8 * i, b1 = b0 + bs, b2 = b1 + bs, b3 = b2 + bs;
            scaleBytes(w, base + 4, sb);
            float d = f16(w, base), dmin = f16(w, base + 2);
            FloatVector scd = ((FloatVector) ByteVector.fromArray(Vec.B64, sb, 0).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d);
            scd.mul(FloatVector.fromArray(Vec.F, dx, b0)).intoArray(sf, 0);
            scd.mul(FloatVector.fromArray(Vec.F, dx, b1)).intoArray(sf, 8);
            scd.mul(FloatVector.fromArray(Vec.F, dx, b2)).intoArray(sf, 16);
            scd.mul(FloatVector.fromArray(Vec.F, dx, b3)).intoArray(sf, 24);
            FloatVector mn = ((FloatVector) ByteVector.fromArray(Vec.B64, sb, 8).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(dmin);
            m0 = mn.fma(FloatVector.fromArray(Vec.F, xs, b0), m0);
            m1 = mn.fma(FloatVector.fromArray(Vec.F, xs, b1), m1);
            m2 = mn.fma(FloatVector.fromArray(Vec.F, xs, b2), m2);
            m3 = mn.fma(FloatVector.fromArray(Vec.F, xs, b3), m3);
            for (int c = 0; c < 4; c++) {
                int qo = base + qsOff + 32 * c;
                ShortVector u0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qo).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector u1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qo + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector lo0 = u0.and((short) 0x0F), lo1 = u1.and((short) 0x0F);
                ShortVector hi0 = u0.lanewise(VectorOperators.LSHR, 4), hi1 = u1.lanewise(VectorOperators.LSHR, 4);
                if (five) {
                    int hb = base + 16;
                    ShortVector h0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, hb).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector h1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, hb + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    lo0 = lo0.or(h0.lanewise(VectorOperators.LSHR, 2 * c).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    lo1 = lo1.or(h1.lanewise(VectorOperators.LSHR, 2 * c).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    hi0 = hi0.or(h0.lanewise(VectorOperators.LSHR, 2 * c + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    hi1 = hi1.or(h1.lanewise(VectorOperators.LSHR, 2 * c + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                }
                int x0 = 32 * (b0 + 2 * c), x1 = 32 * (b1 + 2 * c), x2 = 32 * (b2 + 2 * c), x3 = 32 * (b3 + 2 * c);
                IntVector pa = lo0.mul(ShortVector.fromArray(Vec.S, q, x0)).add(lo1.mul(ShortVector.fromArray(Vec.S, q, x0 + 16))).reinterpretAsInts();
                IntVector pb = hi0.mul(ShortVector.fromArray(Vec.S, q, x0 + 32)).add(hi1.mul(ShortVector.fromArray(Vec.S, q, x0 + 48))).reinterpretAsInts();
                a0 = ((FloatVector) pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * c]), a0);
                a0 = ((FloatVector) pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * c + 1]), a0);
                pa = lo0.mul(ShortVector.fromArray(Vec.S, q, x1)).add(lo1.mul(ShortVector.fromArray(Vec.S, q, x1 + 16))).reinterpretAsInts();
                pb = hi0.mul(ShortVector.fromArray(Vec.S, q, x1 + 32)).add(hi1.mul(ShortVector.fromArray(Vec.S, q, x1 + 48))).reinterpretAsInts();
                a1 = ((FloatVector) pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[8 + 2 * c]), a1);
                a1 = ((FloatVector) pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[9 + 2 * c]), a1);
                pa = lo0.mul(ShortVector.fromArray(Vec.S, q, x2)).add(lo1.mul(ShortVector.fromArray(Vec.S, q, x2 + 16))).reinterpretAsInts();
                pb = hi0.mul(ShortVector.fromArray(Vec.S, q, x2 + 32)).add(hi1.mul(ShortVector.fromArray(Vec.S, q, x2 + 48))).reinterpretAsInts();
                a2 = ((FloatVector) pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[16 + 2 * c]), a2);
                a2 = ((FloatVector) pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[17 + 2 * c]), a2);
                pa = lo0.mul(ShortVector.fromArray(Vec.S, q, x3)).add(lo1.mul(ShortVector.fromArray(Vec.S, q, x3 + 16))).reinterpretAsInts();
                pb = hi0.mul(ShortVector.fromArray(Vec.S, q, x3 + 32)).add(hi1.mul(ShortVector.fromArray(Vec.S, q, x3 + 48))).reinterpretAsInts();
                a3 = ((FloatVector) pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[24 + 2 * c]), a3);
                a3 = ((FloatVector) pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[25 + 2 * c]), a3);
            }
        }
        out[o0] = Vec.sum(a0.sub(m0), sf);
        out[o0 + os] = Vec.sum(a1.sub(m1), sf);
        out[o0 + 2 * os] = Vec.sum(a2.sub(m2), sf);
        out[o0 + 3 * os] = Vec.sum(a3.sub(m3), sf);
    }

    /** Plain-Java reference of the product above: the same terms, one value at a time. */
    static float dotQScalar(byte[] w, int superBlocks, int bytes, int qsOff, boolean five, Q8Activations x, int blk0) {
        byte[] sm = new byte[16];
        float s = 0f, mins = 0f;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * bytes;
            scaleBytes(w, base + 4, sm);
            float d = f16(w, base), dmin = f16(w, base + 2);
            for (int sub = 0; sub < 8; sub++) {
                int b = blk0 + 8 * i + sub, c = sub / 2, sumi = 0;
                for (int l = 0; l < 32; l++) {
                    int v = w[base + qsOff + 32 * c + l] & 0xFF;
                    int qv = (sub & 1) == 0 ? v & 0x0F : v >>> 4;
                    if (five) qv |= ((w[base + 16 + l] >>> sub) & 1) << 4;
                    sumi += qv * x.quant(32 * b + l);
                }
                s += sumi * (sm[sub] * d * x.d[b]);
                mins += sm[8 + sub] * dmin * x.sums[b];
            }
        }
        return s - mins;
    }
}
