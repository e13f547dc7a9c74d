package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.unimoe.tensor.Vec.F;

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

    /** Scale (k = 0) or min (k = 1) of sub-block j from the 12 packed bytes at {@code at} (shared with Q5_K). */
    static int scaleMin(MemorySegment w, long at, int j, int k) {
        if (j < 4) return w.get(ValueLayout.JAVA_BYTE, at + j + 4L * k) & 63;
        int packed = w.get(ValueLayout.JAVA_BYTE, at + j + 4) & 0xFF;
        int high = (w.get(ValueLayout.JAVA_BYTE, at + j - 4 + 4L * k) & 0xFF) >>> 6;
        return (k == 0 ? packed & 0x0F : packed >>> 4) | high << 4;
    }

    @Override
    void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            float d = Float.float16ToFloat(data.get(LE16, base)), dmin = Float.float16ToFloat(data.get(LE16, base + 2));
            int o = dstOff + i * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * scaleMin(data, base + 4, 2 * c, 0), m1 = dmin * scaleMin(data, base + 4, 2 * c, 1);
                float d2 = d * scaleMin(data, base + 4, 2 * c + 1, 0), m2 = dmin * scaleMin(data, base + 4, 2 * c + 1, 1);
                int y = o + 64 * c;
                if (vector) {
                    ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, base + 16 + 32L * c, Vec.LE);
                    ByteVector lo = q.and((byte) 0x0F), hi = q.lanewise(VectorOperators.LSHR, 4);
                    for (int p = 0; p < 4; p++) {
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d1).sub(m1).intoArray(dst, y + 8 * p);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d2).sub(m2).intoArray(dst, y + 32 + 8 * p);
                    }
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
