package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;

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
    void expandBytes(byte[] w, int count, float[] dst, int dstOff, boolean vector) {
        Q4_KTensor.expand(w, BYTES, 48, true, count, dst, dstOff, vector);
    }
}
