package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

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
    static void sixBits(byte[] w, int ql, int nibShift, int qh, int hiShift, float s0, float s1, float[] dst, int y) {
        for (int p = 0; p < 32; p += 8) {
            IntVector v = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, ql + p).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector h = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_64, w, qh + p).convertShape(VectorOperators.B2I, Vec.I, 0);
            IntVector q = v.lanewise(VectorOperators.ASHR, nibShift).and(0x0F).or(h.lanewise(VectorOperators.ASHR, hiShift).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
            ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(p < 16 ? s0 : s1).intoArray(dst, y + p);
        }
    }

    @Override
    void expandBytes(byte[] w, int count, float[] dst, int dstOff, boolean vector) {
        for (int i = 0; i < count; i++) {
            int base = i * BYTES;
            float d = f16(w, base + 208);
            for (int h = 0; h < 2; h++) {
                int ql = base + 64 * h, qh = base + 128 + 32 * h, sc = base + 192 + 8 * h;
                int y = dstOff + i * QK + 128 * h;
                if (vector) {
                    for (int k = 0; k < 4; k++) {
                        float s0 = d * w[sc + 2 * k], s1 = d * w[sc + 2 * k + 1];
                        sixBits(w, ql + 32 * (k & 1), k < 2 ? 0 : 4, qh, 2 * k, s0, s1, dst, y + 32 * k);
                    }
                } else {
                    for (int k = 0; k < 4; k++) {
                        for (int l = 0; l < 32; l++) {
                            int lb = w[ql + l + 32 * (k & 1)] & 0xFF;
                            int nib = k < 2 ? lb & 0x0F : lb >>> 4;
                            int hi = ((w[qh + l] & 0xFF) >>> 2 * k) & 3;
                            dst[y + 32 * k + l] = d * w[sc + 2 * k + l / 16] * ((nib | hi << 4) - 32);
                        }
                    }
                }
            }
        }
    }

    @Override
    float dotQ(byte[] w, int superBlocks, Q8Activations x, int blk0, boolean vector, byte[] sb, float[] sf) {
        return vector ? dotQ(w, superBlocks, x.q, x.d16, x.sums16, blk0, sf) : dotQScalar(w, superBlocks, x, blk0);
    }

    /** Four tokens as two pairs: with four, the accumulators and the shared quants no longer fit the 16 vector registers. */
    @Override
    void dotQ4(byte[] w, int superBlocks, Q8Activations x, int blk0, int bs, byte[] sb, float[] sf, float[] out, int o0, int os) {
        dotQ2(w, superBlocks, x.q, x.d16, x.sums16, blk0, blk0 + bs, sf, out, o0, o0 + os);
        dotQ2(w, superBlocks, x.q, x.d16, x.sums16, blk0 + 2 * bs, blk0 + 3 * bs, sf, out, o0 + 2 * os, o0 + 3 * os);
    }

    /**
     * The quantized-activation product of Q6_K super-blocks from w[0..] with activation blocks from
     * {@code blk0} (32 quants each): per group g of 16 values, d·scale_g·d_x·(Σ q·q_x − 32·Σq_x)
     * with q the unsigned 6-bit quant. The quants are assembled in 16-bit lanes (nibble | two high
     * bits ≪ 4), multiplied there (at most 63·127), pairs of lanes summed into 32-bit lanes (the sum
     * fits 16 bits) and scaled per group; the offset term is one vector product per half
     * super-block over the activations' per-16 sums (d16, sums16: the activation scale and d·Σq per
     * half block). sf: 16 floats of scratch.
     */
    static float dotQ(byte[] w, int superBlocks, short[] q, float[] d16, float[] s16, int blk0, float[] sf) {
        FloatVector acc = FloatVector.zero(Vec.F), off = acc;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * BYTES;
            float d = f16(w, base + 208);
            for (int h = 0; h < 2; h++) {
                int ql = base + 64 * h, qh = base + 128 + 32 * h, g0 = 2 * (blk0 + 8 * i + 4 * h);
                FloatVector gs = ((FloatVector) ByteVector.fromArray(Vec.B64, w, base + 192 + 8 * h).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d);
                gs.mul(FloatVector.fromArray(Vec.F, d16, g0)).intoArray(sf, 0);
                off = gs.fma(FloatVector.fromArray(Vec.F, s16, g0), off);
                ShortVector h0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qh).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector h1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qh + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                for (int kk = 0; kk < 2; kk++) {
                    // the 32 bytes at ql + 32·kk hold part kk (low nibbles) and part kk + 2 (high nibbles)
                    int lo = ql + 32 * kk, xa = 16 * (g0 + 2 * kk), xb = xa + 64;
                    ShortVector n0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, lo).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector n1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, lo + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector a0 = n0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHR, 2 * kk).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector a1 = n1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHR, 2 * kk).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector b0 = n0.lanewise(VectorOperators.LSHR, 4).or(h0.lanewise(VectorOperators.LSHR, 2 * kk + 4).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector b1 = n1.lanewise(VectorOperators.LSHR, 4).or(h1.lanewise(VectorOperators.LSHR, 2 * kk + 4).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    IntVector p0 = a0.mul(ShortVector.fromArray(Vec.S, q, xa)).reinterpretAsInts();
                    IntVector p1 = a1.mul(ShortVector.fromArray(Vec.S, q, xa + 16)).reinterpretAsInts();
                    IntVector p2 = b0.mul(ShortVector.fromArray(Vec.S, q, xb)).reinterpretAsInts();
                    IntVector p3 = b1.mul(ShortVector.fromArray(Vec.S, q, xb + 16)).reinterpretAsInts();
                    acc = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk]), acc);
                    acc = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 1]), acc);
                    acc = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 4]), acc);
                    acc = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 5]), acc);
                }
            }
        }
        return Vec.sum(acc.sub(off.mul(32f)), sf);
    }

    /** {@link #dotQ(byte[], int, short[], float[], float[], int, float[])} for two activation rows (blocks from blkA and blkB), the quants unpacked once; the same bits as two calls. */
    static void dotQ2(byte[] w, int superBlocks, short[] q, float[] d16, float[] s16, int blkA, int blkB, float[] sf, float[] out, int oA, int oB) {
        FloatVector accA = FloatVector.zero(Vec.F), offA = accA, accB = accA, offB = accA;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * BYTES;
            float d = f16(w, base + 208);
            for (int h = 0; h < 2; h++) {
                int ql = base + 64 * h, qh = base + 128 + 32 * h, gA = 2 * (blkA + 8 * i + 4 * h), gB = 2 * (blkB + 8 * i + 4 * h);
                FloatVector gs = ((FloatVector) ByteVector.fromArray(Vec.B64, w, base + 192 + 8 * h).convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d);
                gs.mul(FloatVector.fromArray(Vec.F, d16, gA)).intoArray(sf, 0);
                gs.mul(FloatVector.fromArray(Vec.F, d16, gB)).intoArray(sf, 8);
                offA = gs.fma(FloatVector.fromArray(Vec.F, s16, gA), offA);
                offB = gs.fma(FloatVector.fromArray(Vec.F, s16, gB), offB);
                ShortVector h0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qh).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                ShortVector h1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, qh + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                for (int kk = 0; kk < 2; kk++) {
                    int lo = ql + 32 * kk, xa = 16 * (gA + 2 * kk), xb = 16 * (gB + 2 * kk);
                    ShortVector n0 = (ShortVector) ByteVector.fromArray(Vec.B128, w, lo).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector n1 = (ShortVector) ByteVector.fromArray(Vec.B128, w, lo + 16).convertShape(VectorOperators.ZERO_EXTEND_B2S, Vec.S, 0);
                    ShortVector a0 = n0.and((short) 0x0F).or(h0.lanewise(VectorOperators.LSHR, 2 * kk).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector a1 = n1.and((short) 0x0F).or(h1.lanewise(VectorOperators.LSHR, 2 * kk).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector b0 = n0.lanewise(VectorOperators.LSHR, 4).or(h0.lanewise(VectorOperators.LSHR, 2 * kk + 4).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    ShortVector b1 = n1.lanewise(VectorOperators.LSHR, 4).or(h1.lanewise(VectorOperators.LSHR, 2 * kk + 4).and((short) 3).lanewise(VectorOperators.LSHL, 4));
                    IntVector p0 = a0.mul(ShortVector.fromArray(Vec.S, q, xa)).reinterpretAsInts();
                    IntVector p1 = a1.mul(ShortVector.fromArray(Vec.S, q, xa + 16)).reinterpretAsInts();
                    IntVector p2 = b0.mul(ShortVector.fromArray(Vec.S, q, xa + 64)).reinterpretAsInts();
                    IntVector p3 = b1.mul(ShortVector.fromArray(Vec.S, q, xa + 80)).reinterpretAsInts();
                    accA = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk]), accA);
                    accA = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 1]), accA);
                    accA = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 4]), accA);
                    accA = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[2 * kk + 5]), accA);
                    p0 = a0.mul(ShortVector.fromArray(Vec.S, q, xb)).reinterpretAsInts();
                    p1 = a1.mul(ShortVector.fromArray(Vec.S, q, xb + 16)).reinterpretAsInts();
                    p2 = b0.mul(ShortVector.fromArray(Vec.S, q, xb + 64)).reinterpretAsInts();
                    p3 = b1.mul(ShortVector.fromArray(Vec.S, q, xb + 80)).reinterpretAsInts();
                    accB = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[8 + 2 * kk]), accB);
                    accB = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[9 + 2 * kk]), accB);
                    accB = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[12 + 2 * kk]), accB);
                    accB = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Vec.F, sf[13 + 2 * kk]), accB);
                }
            }
        }
        out[oA] = Vec.sum(accA.sub(offA.mul(32f)), sf);
        out[oB] = Vec.sum(accB.sub(offB.mul(32f)), sf);
    }

    /** Plain-Java reference of the product above: the same terms, one value at a time. */
    static float dotQScalar(byte[] w, int superBlocks, Q8Activations x, int blk0) {
        float s = 0f, off = 0f;
        for (int i = 0; i < superBlocks; i++) {
            int base = i * BYTES;
            float d = f16(w, base + 208);
            for (int h = 0; h < 2; h++) {
                int ql = base + 64 * h, qh = base + 128 + 32 * h, sc = base + 192 + 8 * h;
                for (int k = 0; k < 4; k++) {
                    int b = blk0 + 8 * i + 4 * h + k;
                    for (int half = 0; half < 2; half++) {
                        int sumi = 0;
                        for (int l = 16 * half; l < 16 * half + 16; l++) {
                            int lb = w[ql + l + 32 * (k & 1)] & 0xFF;
                            int nib = k < 2 ? lb & 0x0F : lb >>> 4;
                            int hi = ((w[qh + l] & 0xFF) >>> 2 * k) & 3;
                            sumi += (nib | hi << 4) * x.quant(32 * b + l);
                        }
                        float gs = w[sc + 2 * k + half] * d;
                        s += sumi * (gs * x.d[b]);
                        off += gs * x.sums16[2 * b + half];
                    }
                }
            }
        }
        return s - 32f * off;
    }
}
