package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

public final class F16Tensor extends Tensor {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public F16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.F16; }

    @Override public float get(long index) { return Float.float16ToFloat(data.get(LE, index * 2)); }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }
}
