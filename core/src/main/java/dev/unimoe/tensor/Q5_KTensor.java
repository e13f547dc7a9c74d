package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
        int[] sm = new int[16];
        for (int i = 0; i < count; i++) {
            long base = (block + i) * BYTES;
            Q4_KTensor.unpackScales(data, base + 4, sm);
            float d = Float.float16ToFloat(data.get(LE16, base)), dmin = Float.float16ToFloat(data.get(LE16, base + 2));
            int o = dstOff + i * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * sm[2 * c], m1 = dmin * sm[8 + 2 * c];
                float d2 = d * sm[2 * c + 1], m2 = dmin * sm[9 + 2 * c];
                int y = o + 64 * c;
                if (vector) {
                    Q4_KTensor.nibbles(data, base + 48 + 32L * c, base + 16, 2 * c, d1, m1, d2, m2, dst, y);
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
