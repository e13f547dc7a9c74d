package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Integer tensors (token ids, expert ids) as stored in reference files; {@link #get} widens to float. */
public final class I32Tensor extends Tensor {
    static final ValueLayout.OfInt LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public I32Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.I32; }

    public int getInt(long index) { return data.get(LE, index * 4); }

    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(elements)];
        for (int i = 0; i < out.length; i++) out[i] = getInt(i);
        return out;
    }

    @Override public float get(long index) { return getInt(index); }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += getInt(offset + i) * x[xOff + i];
        return s;
    }
}
