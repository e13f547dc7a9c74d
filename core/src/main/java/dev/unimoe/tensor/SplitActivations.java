package dev.unimoe.tensor;

/**
 * Activation rows put into the {@link PairSplit} order once per product, for the F16 kernels,
 * so the threads of a matmul share them instead of each piece of rows rearranging them again
 * (a 64-token prefill would otherwise rearrange all 64 rows for every 64-row piece). One row (decode) is also kept times 2¹¹², the form
 * {@link F16Tensor#dotRows} multiplies the weights' shifted bits into, when that is exact.
 * Buffers only grow: keep one instance per thread and re-{@link #prepare} it for each product.
 */
public final class SplitActivations {
    float[] values = new float[0], scaled = new float[0];
    int tokens, n;
    /** Whether {@link #scaled} holds the single row times 2¹¹² (every |x| below 2¹⁶, none NaN). */
    boolean scaledExact;

    /** Rows [0, tokens) of n values from x (row t at {@code x[t·n]}), n a multiple of 16. */
    public SplitActivations prepare(float[] x, int tokens, int n) {
        if (!PairSplit.applies(n)) throw new IllegalArgumentException("pair-split activations need vectors and a multiple of 16 columns, not " + n);
        java.util.Objects.checkFromIndexSize(0, (long) tokens * n, x.length);
        this.tokens = tokens;
        this.n = n;
        if (values.length < tokens * n) values = new float[tokens * n];
        for (int t = 0; t < tokens; t++) PairSplit.row(x, t * n, n, values, t * n, 1f);
        scaledExact = false;
        if (tokens == 1) {
            if (scaled.length < n) scaled = new float[n];
            scaledExact = PairSplit.row(x, 0, n, scaled, 0, F16Tensor.UNSCALE) < F16Tensor.MAX_SCALED_X;
        }
        return this;
    }

    void check(int token0, int count, int cols) {
        if (cols != n) throw new IllegalArgumentException("activations prepared for " + n + " columns, product has " + cols);
        java.util.Objects.checkFromIndexSize(token0, count, tokens);
    }
}
