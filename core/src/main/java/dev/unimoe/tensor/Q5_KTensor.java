package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.unimoe.tensor.Vec.F;

/**
 * ggml Q5_K: super-blocks of 256 values in 176 bytes: f16 d, f16 dmin, the twelve scale/min
 * bytes of {@link Q4_KTensor}, 32 bytes of fifth bits (bit s of byte l belongs to value l of
 * sub-block s), then the 128 bytes of low nibbles laid out as in Q4_K.
 */
public final class Q5_KTensor extends KQuantTensor {
    static final int BYTES = 176;

    public Q5_KTensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q5_K; }

    @Override
    void expand(long block, int count, float[] dst, int dstOff, boolean vector) {
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            float d = Float.float16ToFloat(data.get(LE16, base)), dmin = Float.float16ToFloat(data.get(LE16, base + 2));
            int o = dstOff + i * QK;
            ByteVector qh = vector ? ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, base + 16, Vec.LE) : null;
            for (int c = 0; c < 4; c++) {
                float d1 = d * Q4_KTensor.scaleMin(data, base + 4, 2 * c, 0), m1 = dmin * Q4_KTensor.scaleMin(data, base + 4, 2 * c, 1);
                float d2 = d * Q4_KTensor.scaleMin(data, base + 4, 2 * c + 1, 0), m2 = dmin * Q4_KTensor.scaleMin(data, base + 4, 2 * c + 1, 1);
                int y = o + 64 * c;
                if (vector) {
                    ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, data, base + 48 + 32L * c, Vec.LE);
                    ByteVector lo = q.and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    for (int p = 0; p < 4; p++) {
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d1).sub(m1).intoArray(dst, y + 8 * p);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d2).sub(m2).intoArray(dst, y + 32 + 8 * p);
                    }
                } else {
                    for (int l = 0; l < 32; l++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, base + 48 + 32L * c + l) & 0xFF;
                        int h = data.get(ValueLayout.JAVA_BYTE, base + 16 + l) & 0xFF;
                        dst[y + l] = d1 * ((q & 0x0F) + ((h >>> 2 * c) & 1) * 16) - m1;
                        dst[y + 32 + l] = d2 * ((q >>> 4) + ((h >>> 2 * c + 1) & 1) * 16) - m2;
                    }
                }
            }
        }
    }
}
