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
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

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
