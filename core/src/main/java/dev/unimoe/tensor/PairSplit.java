package dev.unimoe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The order in which F16 products run when the vector kernels are on and a row's length is a
 * multiple of 16: within each run of 16 values, the 8 at even positions, then the 8 at odd ones.
 * One 256-bit load of 16 halves splits into two float vectors in exactly that order with a
 * shift and a mask ({@link F16Tensor}), so the widened weights come out in it and the activations
 * are put into it here; every kernel over the pair then sums the same products in the same
 * order, whichever path (decode, batch, single dot) a row takes.
 */
final class PairSplit {
    private PairSplit() {}

    /** Whether rows of {@code n} values use the split order (else the natural one). */
    static boolean applies(int n) {
        return Vec.ENABLED && n > 0 && n % 16 == 0;
    }

    /**
     * {@code tokens} activation rows (row t at {@code x[xOff + t·xStride]}) in split order into a
     * per-thread buffer, row t at {@code [t·n]}.
     */
    static float[] rows(float[] x, int xOff, int xStride, int tokens, int n) {
        float[] s = Scratch.activations(tokens * n);
        for (int t = 0; t < tokens; t++) row(x, xOff + t * xStride, n, s, t * n, 1f);
        return s;
    }

    /** Lanes 0, 2, 4, 6 of one vector then of the next (the wrapped indices pick from the second). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromValues(Vec.F, 0, 2, 4, 6, -8, -6, -4, -2);
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromValues(Vec.F, 1, 3, 5, 7, -7, -5, -3, -1);

    /**
     * One row in split order into dst, each value times {@code scale} (a power of two, so exact
     * unless it overflows); returns max |x| (NaN when x holds a NaN).
     */
    static float row(float[] x, int xOff, int n, float[] dst, int dOff, float scale) {
        FloatVector max = FloatVector.zero(Vec.F);
        for (int c = 0; c < n; c += 16) {
            FloatVector a = FloatVector.fromArray(Vec.F, x, xOff + c), b = FloatVector.fromArray(Vec.F, x, xOff + c + 8);
            max = max.max(a.abs()).max(b.abs());
            a.rearrange(EVEN, b).mul(scale).intoArray(dst, dOff + c);
            a.rearrange(ODD, b).mul(scale).intoArray(dst, dOff + c + 8);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }
}
