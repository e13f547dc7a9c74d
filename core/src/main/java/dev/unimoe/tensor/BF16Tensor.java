package dev.unimoe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

import static dev.unimoe.tensor.Vec.F;
import static dev.unimoe.tensor.Vec.I;
import static dev.unimoe.tensor.Vec.S128;
/**
 * bfloat16: the upper half of a float32, so widening is an exact 16-bit shift (also in the
 * vector kernels: 8 shorts widened to ints, shifted left 16, reinterpreted as floats).
 */
public final class BF16Tensor extends Tensor {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    public BF16Tensor(MemorySegment data, long elements) { super(data, elements); }

    @Override public DType type() { return DType.BF16; }

    @Override public float get(long index) { return Float.intBitsToFloat(data.get(LE16, index * 2) << 16); }

    @Override
    public float dot(long offset, float[] x, int xOff, int n) {
        Objects.checkFromIndexSize(xOff, n, x.length);
        if (n == 0) return 0f;
        short[] w = Scratch.shorts(n);
        MemorySegment.copy(data, LE16, offset * 2, w, 0, n);
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
        short[] w = Scratch.shorts(n);
        MemorySegment.copy(data, LE16, offset * 2, w, 0, n);
        dotTokens(w, x, xOff, xStride, tokens, n, out, outOff, outStride);
    }

    /** The row w (already in a heap array) against {@code tokens} activation rows. */
    static void dotTokens(short[] w, float[] x, int xOff, int xStride, int tokens, int n, float[] out, int outOff, int outStride) {
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
    static float dotScalar(short[] w, float[] x, int x0, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s = Math.fma(Float.intBitsToFloat(w[i] << 16), x[x0 + i], s);
        return s;
    }

    /** One row · one activation: the order of operations of every kernel here (2 lanes of 8, then a tail). */
    static float dot1(short[] w, float[] x, int x0, int n) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromArray(S128, w, i + 8).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            b0 = w1.fma(FloatVector.fromArray(F, x, x0 + i + 8), b0);
        }
        if ((n & 8) != 0) {
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        for (; i < n; i++) {
            float wi = Float.intBitsToFloat(w[i] << 16);
            s0 = Math.fma(wi, x[x0 + i], s0);
        }
        return s0;
    }

    static void dot2(short[] w, float[] x, int x0, int xs, int n, float[] out, int o0, int os) {
        int x1 = x0 + xs;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromArray(S128, w, i + 8).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            b0 = w1.fma(FloatVector.fromArray(F, x, x0 + i + 8), b0);
            b1 = w1.fma(FloatVector.fromArray(F, x, x1 + i + 8), b1);
        }
        if ((n & 8) != 0) {
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = w0.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            i += 8;
        }
        float s0 = Vec.sum(a0.add(b0));
        float s1 = Vec.sum(a1.add(b1));
        for (; i < n; i++) {
            float wi = Float.intBitsToFloat(w[i] << 16);
            s0 = Math.fma(wi, x[x0 + i], s0);
            s1 = Math.fma(wi, x[x1 + i], s1);
        }
        out[o0 + 0 * os] = s0;
        out[o0 + 1 * os] = s1;
    }

    static void dot4(short[] w, float[] x, int x0, int xs, int n, float[] out, int o0, int os) {
        int x1 = x0 + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        int i = 0, end16 = n & ~15;
        for (; i < end16; i += 16) {
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromArray(S128, w, i + 8).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
            FloatVector w0 = ((IntVector) ShortVector.fromArray(S128, w, i).convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
            float wi = Float.intBitsToFloat(w[i] << 16);
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
