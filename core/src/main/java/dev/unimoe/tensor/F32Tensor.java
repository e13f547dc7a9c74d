package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

public final class F32Tensor extends Tensor {
    static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public F32Tensor(MemorySegment data, long elements) { super(data, elements); }

    public static F32Tensor wrap(float[] values) {
        MemorySegment seg = MemorySegment.ofArray(values);
        return new F32Tensor(seg, values.length);
    }

    @Override public DType type() { return DType.F32; }

    @Override public float get(long index) { return data.get(LE, index * 4); }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }
}
