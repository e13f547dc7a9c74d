package dev.unimoe.kernels;

import dev.unimoe.tensor.Matrix;

/**
 * The compute the model code path asks of a backend. The CPU backend implements it with the
 * Vector API; an accelerator backend (TornadoVM) supplies its own implementation.
 * Activations are row-major float arrays: {@code x} holds {@code tokens} rows of {@code w.cols()}
 * values, {@code out} receives {@code tokens} rows of {@code w.rows()} values.
 *
 * <p>A matrix over a memory-mapped file is a weight and never changes, so a backend may keep a
 * device copy of it. A matrix over a heap array (attention's per-head keys and values) may be
 * refilled between calls and must be read afresh every time.
 */
public interface Kernels {
    /** out[t, r] = Σ_c w[r, c] · x[t, c] for every token t &lt; tokens (y = x·Wᵀ). */
    void matmul(Matrix w, float[] x, int tokens, float[] out);

    /**
     * Several products of the same input (q/k/v, or an FFN's gate and up): outs[i] = x·ws[i]ᵀ.
     * All matrices have the same column count. A backend can read x once and issue one launch.
     */
    default void matmulMany(Matrix[] ws, float[] x, int tokens, float[][] outs) {
        for (int i = 0; i < ws.length; i++) matmul(ws[i], x, tokens, outs[i]);
    }

    /** A short name for logs and benchmarks. */
    String name();
}
