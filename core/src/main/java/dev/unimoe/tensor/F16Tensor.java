package dev.unimoe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * IEEE half-precision values. A product widens the row straight from the segment into a
 * per-thread float[] with a plain {@code Float.float16ToFloat} loop, which C2 auto-vectorizes to
 * {@code vcvtph2ps} (F16C): exact for every value (subnormals, ±inf, NaN). (Copying the halves
 * to a short[] first, as an earlier version did, cost 10% more CPU per decoded row.) A bit-manipulation conversion in the Vector API was
 * measured and rejected: its float32-subnormal intermediate (half subnormals, about 0.3% of
 * typical weights) hits a microcode assist on multiplication that halved throughput. The float
 * rows then go through the {@link F32Tensor} kernels ({@link WidenedTensor}). Weights are never
 * expanded in memory beyond four rows.
 */
public final class F16Tensor extends WidenedTensor {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public F16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.F16; }

    @Override public float get(long index) { return Float.float16ToFloat(data.get(LE16, index * 2)); }

    @Override
    public void dequantize(long offset, float[] dst, int dstOff, int n) {
        Objects.checkFromIndexSize(dstOff, n, dst.length);
        widen(data, offset * 2, dst, dstOff, n);
    }

    @Override
    void widenRow(long offset, int n, float[] w) {
        Objects.checkFromIndexSize(offset, n, elements);
        widen(data, offset * 2, w, 0, n);
    }

    /** Two stretches of n values widened in one loop (two DRAM streams in flight at once). */
    @Override
    void widenRows2(long offA, long offB, int n, float[] fa, float[] fb) {
        Objects.checkFromIndexSize(offA, n, elements);
        Objects.checkFromIndexSize(offB, n, elements);
        MemorySegment a = data.asSlice(offA * 2, 2L * n), b = data.asSlice(offB * 2, 2L * n);
        for (int i = 0; i < n; i++) {
            fa[i] = Float.float16ToFloat(a.getAtIndex(LE16, i));
            fb[i] = Float.float16ToFloat(b.getAtIndex(LE16, i));
        }
    }

    /** Kept as a separate small loop over a slice: the shape C2's auto-vectorizer turns into vcvtph2ps. */
    static void widen(MemorySegment src, long byteOffset, float[] f, int fOff, int n) {
        MemorySegment h = src.asSlice(byteOffset, 2L * n);
        for (int i = 0; i < n; i++) f[fOff + i] = Float.float16ToFloat(h.getAtIndex(LE16, i));
    }
}
