package dev.unimoe.model;

import dev.unimoe.tensor.Matrix;

/**
 * A running decoder with its KV cache: the CPU {@link Forward}, or an accelerator backend's
 * task graphs. Embedding rows are looked up on the host from the mapped weights, so prompts
 * (text and spliced media) are built the same way whatever runs the layers.
 */
public interface Decoder extends AutoCloseable {
    ModelConfig config();

    Weights weights();

    int contextLength();

    /**
     * Runs rows {@code input[0, T)} ([T, H]) at positions pos … pos+T−1; writes logits of every
     * row ([T, V]) when allRows, else of the last row.
     */
    void forward(float[] input, int T, int pos, float[] logits, boolean allRows);

    /** Observes activations and routing (may be ignored by backends that keep them on the device). */
    void setTrace(Trace trace);

    /** Writes embedding rows of {@code tokens[from, from+n)} into dst (row-major [n, H]). */
    default void embed(int[] tokens, int from, int n, float[] dst) {
        for (int t = 0; t < n; t++) embedRow(tokens[from + t], dst, t * config().hidden());
    }

    /** Writes the embedding row of one token id into dst[off, off+H). */
    default void embedRow(int id, float[] dst, int off) {
        ModelConfig c = config();
        if (id < 0 || id >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
        }
        Matrix e = weights().embedding();
        e.tensor().dequantize(e.rowOffset(id), dst, off, c.hidden());
    }

    /**
     * Switches a backend's own profiler (kernel and transfer times in {@link #stats()}); returns
     * whether the backend has one (false by default, and the call is then ignored).
     */
    default boolean setProfiling(boolean on) {
        return false;
    }

    /** Backend figures for benchmarks (e.g. kernel and transfer time); empty by default. */
    default java.util.Map<String, Object> stats() {
        return java.util.Map.of();
    }

    @Override
    default void close() {}
}
