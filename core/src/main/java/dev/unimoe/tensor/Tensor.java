package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A flat run of values in their stored precision, usually memory-mapped from a checkpoint.
 * Shapes live with the caller (see {@link Matrix}); a tensor only knows how to read values and
 * how to take a dot product of a stretch of itself with float activations, per format.
 * Offsets of block formats must fall on block boundaries.
 */
public sealed abstract class Tensor permits F32Tensor, WidenedTensor, BF16Tensor, Q8_0Tensor, Q4_0Tensor, I32Tensor {
    protected final MemorySegment data;
    protected final long elements;

    protected Tensor(MemorySegment data, long elements) {
        long need = type().bytesFor(elements);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(type() + " tensor of " + elements + " values needs " + need
                    + " bytes, segment has " + data.byteSize());
        }
        this.data = data;
        this.elements = elements;
    }

    public static Tensor of(DType type, MemorySegment data, long elements) {
        return switch (type) {
            case F32 -> new F32Tensor(data, elements);
            case F16 -> new F16Tensor(data, elements);
            case BF16 -> new BF16Tensor(data, elements);
            case Q8_0 -> new Q8_0Tensor(data, elements);
            case Q4_0 -> new Q4_0Tensor(data, elements);
            case Q4_K -> new Q4_KTensor(data, elements);
            case Q5_K -> new Q5_KTensor(data, elements);
            case Q6_K -> new Q6_KTensor(data, elements);
            case I32 -> new I32Tensor(data, elements);
        };
    }

    public abstract DType type();

    public final long elements() { return elements; }

    public final MemorySegment data() { return data; }

    public final long byteSize() { return type().bytesFor(elements); }

    public abstract float get(long index);

    /** Σ_{i<n} this[offset+i] · x[xOff+i], accumulated in float32. */
    public abstract float dot(long offset, float[] x, int xOff, int n);

    /**
     * The argument checks of the float formats' {@code dotTokens} (tokens rows of x at xStride,
     * results at outStride): false when there is nothing left to compute, after writing zeros for
     * an empty row.
     */
    static boolean tokensToCompute(float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (tokens <= 0) return false;
        if (n <= 0) {
            for (int t = 0; t < tokens; t++) out[outOff + t * outStride] = 0f;
            return false;
        }
        Objects.checkFromIndexSize(xOff, (long) (tokens - 1) * xStride + n, x.length);
        Objects.checkIndex(outOff + (long) (tokens - 1) * outStride, out.length);
        return true;
    }

    /** Expands {@code n} values starting at {@code offset} to float32 (e.g. one embedding row). */
    public void dequantize(long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = get(offset + i);
    }

    public float[] toFloatArray() {
        if (elements > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor too large for a float[]");
        float[] out = new float[(int) elements];
        dequantize(0, out, 0, out.length);
        return out;
    }
}
