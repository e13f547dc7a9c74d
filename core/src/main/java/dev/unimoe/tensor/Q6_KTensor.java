package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.unimoe.tensor.Vec.F;

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

    @Override
    void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            float d = Float.float16ToFloat(data.get(LE16, base + 208));
            for (int h = 0; h < 2; h++) {
                long ql = base + 64L * h, qh = base + 128 + 32L * h, sc = base + 192 + 8L * h;
                int y = dstOff + i * QK + 128 * h;
                if (vector) {
                    ByteVector a = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, ql, Vec.LE);
                    ByteVector b = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, ql + 32, Vec.LE);
                    ByteVector hb = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, qh, Vec.LE);
                    for (int k = 0; k < 4; k++) {
                        ByteVector nib = k == 0 ? a.and((byte) 0x0F) : k == 1 ? b.and((byte) 0x0F) : k == 2 ? a.lanewise(VectorOperators.LSHR, 4) : b.lanewise(VectorOperators.LSHR, 4);
                        ByteVector q = nib.or(hb.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                        for (int p = 0; p < 4; p++) {
                            float s = d * data.get(ValueLayout.JAVA_BYTE, sc + 2 * k + p / 2);
                            ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(s).intoArray(dst, y + 32 * k + 8 * p);
                        }
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
