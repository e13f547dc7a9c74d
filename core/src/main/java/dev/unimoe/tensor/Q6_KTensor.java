package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
}
