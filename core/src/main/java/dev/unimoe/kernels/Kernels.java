package dev.unimoe.kernels;

import dev.unimoe.tensor.Matrix;

/**
 * The compute the model code path asks of a backend. The CPU backend implements it with the
 * Vector API; an accelerator backend (TornadoVM) supplies its own implementation.
 * Activations are row-major float arrays: {@code x} holds {@code tokens} rows of {@code w.cols()}
 * values, {@code out} receives {@code tokens} rows of {@code w.rows()} values.
 */
public interface Kernels {
    /** out[t, r] = Σ_c w[r, c] · x[t, c] for every token t &lt; tokens (y = x·Wᵀ). */
    void matmul(Matrix w, float[] x, int tokens, float[] out);

    /** A short name for logs and benchmarks. */
    String name();
}
