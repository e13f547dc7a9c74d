package dev.unimoe.model;

/**
 * Optional observer of the forward pass: tests compare these against reference activations,
 * {@code --routing} records expert choices. Arrays are the engine's live buffers: rows
 * [0, tokens) are valid only during the call; copy what you keep.
 */
public interface Trace {
    default void attnResidual(int layer, int pos, float[] x, int tokens) {}

    default void routing(int layer, int pos, float[] routerLogits, int[] ids, float[] weights, int tokens) {}

    default void sharedExpertGate(int layer, int pos, float[] gate, int tokens) {}

    default void layerOutput(int layer, int pos, float[] x, int tokens) {}

    default void finalNorm(int pos, float[] x, int tokens) {}
}
