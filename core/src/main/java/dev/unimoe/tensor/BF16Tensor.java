package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** bfloat16: the upper half of a float32, so widening is an exact 16-bit shift. */
public final class BF16Tensor extends Tensor {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public BF16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.BF16; }

    @Override public float get(long index) { return Float.intBitsToFloat(data.get(LE, index * 2) << 16); }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += get(offset + i) * x[xOff + i];
        return s;
    }
}
