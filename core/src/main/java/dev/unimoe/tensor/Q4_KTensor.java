package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

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

    /** All eight 6-bit scales (sm[0..7]) and mins (sm[8..15]) from the 12 packed bytes at w[at]. */
    static void unpackScales(byte[] w, int at, int[] sm) {
        for (int j = 0; j < 4; j++) {
            int sc = w[at + j] & 0xFF, m = w[at + 4 + j] & 0xFF, x = w[at + 8 + j] & 0xFF;
            sm[j] = sc & 63;
            sm[8 + j] = m & 63;
            sm[4 + j] = (x & 0x0F) | (sc >>> 6) << 4;
            sm[12 + j] = (x >>> 4) | (m >>> 6) << 4;
        }
    }

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
        int[] sm = new int[16];
        for (int i = 0; i < count; i++) {
            int base = i * bytes;
            unpackScales(w, base + 4, sm);
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
}
