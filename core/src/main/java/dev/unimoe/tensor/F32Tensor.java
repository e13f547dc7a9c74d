package dev.unimoe.tensor;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.unimoe.tensor.Vec.F;
/**
 * float32 values. The dot products run 8-lane FMAs straight from the (memory-mapped) segment:
 * two accumulators per activation row over 16 values a step, then one step of 8, then a scalar
 * tail; {@link #dotTokens} shares each weight load among up to four activation rows.
 */
public final class F32Tensor extends Tensor {
    static final ValueLayout.OfFloat LE32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public F32Tensor(MemorySegment data, long elements) { super(data, elements); }

    public static F32Tensor wrap(float[] values) {
        MemorySegment seg = MemorySegment.ofArray(values);
        return new F32Tensor(seg, values.length);
    }

    @Override public DType type() { return DType.F32; }

    @Override public float get(long index) { return data.get(LE32, index * 4); }

    @Override
    public void dequantize(long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(data, LE32, offset * 4, dst, dstOff, n);
    }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        float[] w = Scratch.floats(n);
        MemorySegment.copy(data, LE32, offset * 4, w, 0, n);
        if (!Vec.ENABLED) return dotScalar(w, x, xOff, n);
        return dot1(w, x, xOff, n);
    }

    /**
     * Dot products of the {@code n} values at {@code offset} with {@code tokens} activation rows,
     * row t at {@code x[xOff + t·xStride]}, into {@code out[outOff + t·outStride]}. The values are
     * read and converted once for up to four rows; every row's result is bit-identical to
     * {@link #dot} (same order of operations), so a batch computes what single tokens would.
     */
    public void dotTokens(long offset, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        if (!tokensToCompute(x, xOff, xStride, tokens, n, out, outOff, outStride)) return;
        float[] w = Scratch.floats(n);
        MemorySegment.copy(data, LE32, offset * 4, w, 0, n);
        dotTokens(w, x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /** The row w (already in a heap array) against {@code tokens} activation rows. */
    static void dotTokens(float[] w, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
        int t = 0;
        if (Vec.ENABLED) {
            for (; t + 4 <= tokens; t += 4) dot4(w, x, xOff + t * xStride, xStride, n, out, outOff + t * outStride, outStride);
            if (t + 2 <= tokens) {
                dot2(w, x, xOff + t * xStride, xStride, n, out, outOff + t * outStride, outStride);
                t += 2;
            }
            for (; t < tokens; t++) out[outOff + t * outStride] = dot1(w, x, xOff + t * xStride, n);
        }
        for (; t < tokens; t++) out[outOff + t * outStride] = dotScalar(w, x, xOff + t * xStride, n);
    }

    /** The plain loop: reference semantics, also the path without usable vectors. */
    static float dotScalar(float[] w, float[] x, int x0, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s = Math.fma(w[i], x[x0 + i], s);
        return s;
    }

    /** One row · one activation: the order of operations of every kernel here (2 lanes of 8, then a tail). */
    static float dot1(float[] w, float[] x, int x0, int n) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            FloatVector w1 = FloatVector.fromArray(F, w, i + 8);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            b0 = w1.fma(FloatVector.fromArray(F, x, x0 + i + 8), b0);
        }
        if ((n & 8) != 0) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        for (; i < n; i++) {
            float wi = w[i];
            s0 = Math.fma(wi, x[x0 + i], s0);
        }
        return s0;
    }

    /**
     * Four consecutive rows (row r at {@code w[r·n]}) · one activation row: each row in the order
     * of {@link #dot1}, so bit-identical to it; the eight independent FMA chains keep the FMA
     * units busy where dot1's two wait on FMA latency (the decode case, one token per row).
     */
    static void rows4(float[] w, int n, float[] x, int x0, float[] out, int o0, int os) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int n1 = n, n2 = 2 * n, n3 = 3 * n;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector xa = FloatVector.fromArray(F, x, x0 + i);
            FloatVector xb = FloatVector.fromArray(F, x, x0 + i + 8);
            a0 = FloatVector.fromArray(F, w, i).fma(xa, a0);
            b0 = FloatVector.fromArray(F, w, i + 8).fma(xb, b0);
            a1 = FloatVector.fromArray(F, w, n1 + i).fma(xa, a1);
            b1 = FloatVector.fromArray(F, w, n1 + i + 8).fma(xb, b1);
            a2 = FloatVector.fromArray(F, w, n2 + i).fma(xa, a2);
            b2 = FloatVector.fromArray(F, w, n2 + i + 8).fma(xb, b2);
            a3 = FloatVector.fromArray(F, w, n3 + i).fma(xa, a3);
            b3 = FloatVector.fromArray(F, w, n3 + i + 8).fma(xb, b3);
        }
        if ((n & 8) != 0) {
            FloatVector xa = FloatVector.fromArray(F, x, x0 + i);
            a0 = FloatVector.fromArray(F, w, i).fma(xa, a0);
            a1 = FloatVector.fromArray(F, w, n1 + i).fma(xa, a1);
            a2 = FloatVector.fromArray(F, w, n2 + i).fma(xa, a2);
            a3 = FloatVector.fromArray(F, w, n3 + i).fma(xa, a3);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        float s1 = Vec.sum(a1.add(b1));
        float s2 = Vec.sum(a2.add(b2));
        float s3 = Vec.sum(a3.add(b3));
        for (; i < n; i++) {
            float xi = x[x0 + i];
            s0 = Math.fma(w[i], xi, s0);
            s1 = Math.fma(w[n1 + i], xi, s1);
            s2 = Math.fma(w[n2 + i], xi, s2);
            s3 = Math.fma(w[n3 + i], xi, s3);
        }
        out[o0] = s0;
        out[o0 + os] = s1;
        out[o0 + 2 * os] = s2;
        out[o0 + 3 * os] = s3;
    }

    static void dot2(float[] w, float[] x, int x0, int xs, int n, float[] out, int o0, int os) {
        int x1 = x0 + xs;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            FloatVector w1 = FloatVector.fromArray(F, w, i + 8);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            b0 = w1.fma(FloatVector.fromArray(F, x, x0 + i + 8), b0);
            b1 = w1.fma(FloatVector.fromArray(F, x, x1 + i + 8), b1);
        }
        if ((n & 8) != 0) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        float s1 = Vec.sum(a1.add(b1));
        for (; i < n; i++) {
            float wi = w[i];
            s0 = Math.fma(wi, x[x0 + i], s0);
            s1 = Math.fma(wi, x[x1 + i], s1);
        }
        out[o0 + 0 * os] = s0;
        out[o0 + 1 * os] = s1;
    }

    static void dot4(float[] w, float[] x, int x0, int xs, int n, float[] out, int o0, int os) {
        int x1 = x0 + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            FloatVector w1 = FloatVector.fromArray(F, w, i + 8);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w0.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w0.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            b0 = w1.fma(FloatVector.fromArray(F, x, x0 + i + 8), b0);
            b1 = w1.fma(FloatVector.fromArray(F, x, x1 + i + 8), b1);
            b2 = w1.fma(FloatVector.fromArray(F, x, x2 + i + 8), b2);
            b3 = w1.fma(FloatVector.fromArray(F, x, x3 + i + 8), b3);
        }
        if ((n & 8) != 0) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w0.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w0.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        float s1 = Vec.sum(a1.add(b1));
        float s2 = Vec.sum(a2.add(b2));
        float s3 = Vec.sum(a3.add(b3));
        for (; i < n; i++) {
            float wi = w[i];
            s0 = Math.fma(wi, x[x0 + i], s0);
            s1 = Math.fma(wi, x[x1 + i], s1);
            s2 = Math.fma(wi, x[x2 + i], s2);
            s3 = Math.fma(wi, x[x3 + i], s3);
        }
        out[o0 + 0 * os] = s0;
        out[o0 + 1 * os] = s1;
        out[o0 + 2 * os] = s2;
        out[o0 + 3 * os] = s3;
    }

}
