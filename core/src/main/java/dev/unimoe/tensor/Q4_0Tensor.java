package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * ggml Q4_0: blocks of 32 values in 18 bytes, an f16 scale d then 16 bytes qs;
 * value j (< 16) = d·((qs[j] &amp; 0xF) − 8), value j+16 = d·((qs[j] &gt;&gt; 4) − 8).
 */
public final class Q4_0Tensor extends Tensor {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public Q4_0Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q4_0; }

    @Override
    public float get(long index) {
        long block = index >>> 5;
        int within = (int) (index & 31);
        long base = block * 18;
        float d = Float.float16ToFloat(data.get(LE, base));
        int b = data.get(ValueLayout.JAVA_BYTE, base + 2 + (within & 15)) & 0xFF;
        int q = within < 16 ? (b & 0x0F) : (b >>> 4);
        return d * (q - 8);
    }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }
}
