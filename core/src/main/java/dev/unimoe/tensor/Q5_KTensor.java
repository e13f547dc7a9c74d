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

    @Override
    float dotQ(byte[] w, int superBlocks, Q8Activations x, int blk0, boolean vector, byte[] sb, float[] sf) {
        return vector ? Q4_KTensor.dotQ(w, superBlocks, BYTES, 48, true, x.q, x.d, x.sums, blk0, sb, sf) : Q4_KTensor.dotQScalar(w, superBlocks, BYTES, 48, true, x, blk0);
    }

    @Override
    void dotQ4(byte[] w, int superBlocks, Q8Activations x, int blk0, int bs, byte[] sb, float[] sf, float[] out, int o0, int os) {
        Q4_KTensor.dotQ4(w, superBlocks, BYTES, 48, true, x.q, x.d, x.sums, blk0, bs, sb, sf, out, o0, os);
    }
}
