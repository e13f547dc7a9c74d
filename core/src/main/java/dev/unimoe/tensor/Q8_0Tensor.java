package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** ggml Q8_0: blocks of 32 values, each a little-endian f16 scale d then 32 int8 q; value = d·q. */
public final class Q8_0Tensor extends Tensor {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public Q8_0Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.Q8_0; }

    @Override
    public float get(long index) {
        long block = index >>> 5;
        int within = (int) (index & 31);
        long base = block * 34;
        float d = Float.float16ToFloat(data.get(LE, base));
        return d * data.get(ValueLayout.JAVA_BYTE, base + 2 + within);
    }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }
}
